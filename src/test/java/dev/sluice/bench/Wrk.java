// Runs the wrk load generator once and reads its summary (benchmark support, not a test).
package dev.sluice.bench;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One wrk run: {@code wrk -t1 -cN -dD --latency URL}, optionally behind a CPU-pinning prefix such
 * as {@code taskset -c 0}. A run with non-2xx answers or socket errors is reported as failed, so
 * a broken server never passes for a fast one.
 */
final class Wrk
{
    private static final Pattern RPS = Pattern.compile("Requests/sec:\\s+([0-9.]+)");
    private static final Pattern REQUESTS = Pattern.compile("(\\d+) requests in");
    private static final Pattern PERCENTILE = Pattern.compile("^\\s+(50|99)%\\s+([0-9.]+)(us|ms|s)\\s*$", Pattern.MULTILINE);

    /** Requests completed, requests per second and latency percentiles in milliseconds. */
    record Result(long requests, double rps, double p50, double p99, String failure)
    {
        boolean failed()
        {
            return failure != null;
        }
    }

    private Wrk()
    {
    }

    static Result run(List<String> prefix, String url, String duration, int connections) throws Exception
    {
        return run(prefix, url, null, duration, connections);
    }

    /**
     * @param header one request header such as {@code apikey: ...}, or null
     */
    static Result run(List<String> prefix, String url, String header, String duration, int connections) throws Exception
    {
        List<String> command = new ArrayList<>(prefix);
        command.addAll(List.of("wrk", "-t1", "-c" + connections, "-d" + duration, "--latency"));
        if (header != null)
        {
            command.addAll(List.of("-H", header));
        }
        command.add(url);
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        StringBuilder output = new StringBuilder();
        try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8)))
        {
            String line;
            while ((line = in.readLine()) != null)
            {
                output.append(line).append('\n');
            }
        }
        process.waitFor();
        Matcher rps = RPS.matcher(output);
        double p50 = Double.NaN;
        double p99 = Double.NaN;
        Matcher percentile = PERCENTILE.matcher(output);
        while (percentile.find())
        {
            double millis = millis(Double.parseDouble(percentile.group(2)), percentile.group(3));
            if (percentile.group(1).equals("50"))
            {
                p50 = millis;
            }
            else
            {
                p99 = millis;
            }
        }
        String failure = null;
        if (!rps.find())
        {
            failure = "no summary";
        }
        else if (output.indexOf("Non-2xx") >= 0)
        {
            failure = "non-2xx answers";
        }
        else if (output.indexOf("Socket errors") >= 0 && !output.toString().matches("(?s).*Socket errors: connect 0, read 0, write 0, timeout 0.*"))
        {
            failure = "socket errors";
        }
        if (failure != null)
        {
            return new Result(0, 0, Double.NaN, Double.NaN, failure + ":\n" + output);
        }
        Matcher requests = REQUESTS.matcher(output);
        return new Result(requests.find() ? Long.parseLong(requests.group(1)) : 0, Double.parseDouble(rps.group(1)), p50, p99, null);
    }

    private static double millis(double value, String unit)
    {
        return switch (unit)
        {
            case "us" -> value / 1000;
            case "s" -> value * 1000;
            default -> value;
        };
    }
}
