// bench/grpc.sh's two halves: a gRPC echo service, and a client timing unary calls against several targets.
package dev.sluice.bench;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import io.grpc.testing.protobuf.SimpleRequest;
import io.grpc.testing.protobuf.SimpleResponse;
import io.grpc.testing.protobuf.SimpleServiceGrpc;

/**
 * {@code GrpcBench server <port>} runs grpc-java's Netty server with an echo of the unary call.
 * {@code GrpcBench <name=port,...> <rounds>} calls each target in turn, the order rotating per
 * round: 3,000 sequential calls of 1 KiB each way (after 500 uncounted) for the median round
 * trip, then 5 s with 64 calls in flight for calls per second. The first round is left out of the
 * medians printed at the end. Every target is cleartext HTTP/2 (prior knowledge).
 */
public final class GrpcBench
{
    private GrpcBench()
    {
    }

    public static void main(String[] args) throws Exception
    {
        if (args[0].equals("server"))
        {
            Server server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", Integer.parseInt(args[1])))
                .addService(new SimpleServiceGrpc.SimpleServiceImplBase()
                {
                    @Override
                    public void unaryRpc(SimpleRequest request, StreamObserver<SimpleResponse> answer)
                    {
                        answer.onNext(SimpleResponse.newBuilder().setResponseMessage(request.getRequestMessage()).build());
                        answer.onCompleted();
                    }
                })
                .build()
                .start();
            server.awaitTermination();
            return;
        }
        Map<String, ManagedChannel> channels = new LinkedHashMap<>();
        for (String target : args[0].split(","))
        {
            String[] nameAndPort = target.split("=");
            channels.put(nameAndPort[0], NettyChannelBuilder.forAddress("127.0.0.1", Integer.parseInt(nameAndPort[1])).usePlaintext().build());
        }
        int rounds = Integer.parseInt(args[1]);
        SimpleRequest request = SimpleRequest.newBuilder().setRequestMessage("x".repeat(1024)).build();
        Map<String, List<Double>> roundTrips = new LinkedHashMap<>();
        Map<String, List<Double>> rates = new LinkedHashMap<>();
        List<String> order = new ArrayList<>(channels.keySet());
        for (int round = 0; round < rounds; round++)
        {
            Collections.rotate(order, 1);
            for (String name : order)
            {
                double roundTrip = medianRoundTripMicros(channels.get(name), request);
                double rate = callsPerSecond(channels.get(name), request);
                System.out.printf("round %d %s: median round trip %.1f µs, %.0f calls/s with 64 in flight%n", round, name, roundTrip, rate);
                if (round > 0)
                {
                    roundTrips.computeIfAbsent(name, key -> new ArrayList<>()).add(roundTrip);
                    rates.computeIfAbsent(name, key -> new ArrayList<>()).add(rate);
                }
            }
        }
        for (String name : channels.keySet())
        {
            System.out.printf("%s: median round trip %.1f µs, median %.0f calls/s%n", name, median(roundTrips.get(name)), median(rates.get(name)));
        }
        channels.values().forEach(ManagedChannel::shutdownNow);
    }

    private static double medianRoundTripMicros(ManagedChannel channel, SimpleRequest request)
    {
        SimpleServiceGrpc.SimpleServiceBlockingStub stub = SimpleServiceGrpc.newBlockingStub(channel);
        for (int i = 0; i < 500; i++)
        {
            stub.unaryRpc(request);
        }
        long[] nanos = new long[3000];
        for (int i = 0; i < nanos.length; i++)
        {
            long start = System.nanoTime();
            stub.unaryRpc(request);
            nanos[i] = System.nanoTime() - start;
        }
        java.util.Arrays.sort(nanos);
        return nanos[nanos.length / 2] / 1000.0;
    }

    private static double callsPerSecond(ManagedChannel channel, SimpleRequest request) throws InterruptedException
    {
        SimpleServiceGrpc.SimpleServiceFutureStub stub = SimpleServiceGrpc.newFutureStub(channel);
        AtomicLong done = new AtomicLong();
        Semaphore window = new Semaphore(64);
        long start = System.nanoTime();
        long end = start + TimeUnit.SECONDS.toNanos(5);
        while (System.nanoTime() < end)
        {
            window.acquire();
            stub.unaryRpc(request).addListener(() ->
            {
                done.incrementAndGet();
                window.release();
            }, Runnable::run);
        }
        window.acquire(64);
        window.release(64);
        return done.get() / ((System.nanoTime() - start) / 1e9);
    }

    private static double median(List<Double> values)
    {
        List<Double> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        return sorted.get(sorted.size() / 2);
    }
}
