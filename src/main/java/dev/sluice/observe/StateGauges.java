// The metrics that are state rather than events, read when someone scrapes: target states, cache tiers, certificates, configuration.
package dev.sluice.observe;

import java.util.ArrayList;
import java.util.List;

import dev.sluice.cache.CacheRuntime;
import dev.sluice.cache.ResponseStore;
import dev.sluice.config.ConfigStore;
import dev.sluice.tls.ServedCertificates;
import dev.sluice.upstream.Pool;
import dev.sluice.upstream.Pools;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import jakarta.servlet.ServletContext;

/**
 * Nothing here runs on the request path: {@link #refresh} replaces each gauge's rows with what the
 * web application holds now (pools, cache, served certificates, configuration) just before a
 * scrape, so rows of removed targets or certificates disappear with them.
 */
final class StateGauges
{
    private static final List<String> TARGET_STATES = List.of("healthy", "unhealthy", "ejected", "probing", "drained");

    private final ServletContext context;
    private final MultiGauge targetState;
    private final MultiGauge targetInFlight;
    private final MultiGauge cacheEntries;
    private final MultiGauge cacheBytes;
    private final MultiGauge certificateExpiry;
    private final MultiGauge configInfo;

    StateGauges(PrometheusMeterRegistry registry, ServletContext context)
    {
        this.context = context;
        targetState = MultiGauge.builder("sluice.upstream.target.state")
            .description("1 for the state each upstream target is in now, 0 for the others").register(registry);
        targetInFlight = MultiGauge.builder("sluice.upstream.target.in.flight").description("Requests in flight to each upstream target")
            .register(registry);
        cacheEntries = MultiGauge.builder("sluice.cache.entries").description("Stored responses per cache tier").register(registry);
        cacheBytes = MultiGauge.builder("sluice.cache.bytes").description("Bytes occupied per cache tier (-1: the tier counts entries)")
            .baseUnit("bytes").register(registry);
        certificateExpiry = MultiGauge.builder("sluice.tls.certificate.expiry").description("When each served certificate expires (Unix time)")
            .baseUnit("seconds").register(registry);
        configInfo = MultiGauge.builder("sluice.config.info").description("The loaded configuration: its source and SHA-256").register(registry);
    }

    synchronized void refresh()
    {
        List<MultiGauge.Row<?>> states = new ArrayList<>();
        List<MultiGauge.Row<?>> inFlights = new ArrayList<>();
        if (context.getAttribute(Pools.class.getName()) instanceof Pools pools)
        {
            for (Pool.TargetView view : pools.view())
            {
                for (String state : TARGET_STATES)
                {
                    states.add(MultiGauge.Row.of(Tags.of("upstream", view.upstream(), "target", view.target(), "state", state),
                        state.equals(view.state()) ? 1 : 0));
                }
                inFlights.add(MultiGauge.Row.of(Tags.of("upstream", view.upstream(), "target", view.target()), view.inFlight()));
            }
        }
        targetState.register(states, true);
        targetInFlight.register(inFlights, true);

        List<MultiGauge.Row<?>> entries = new ArrayList<>();
        List<MultiGauge.Row<?>> bytes = new ArrayList<>();
        if (context.getAttribute(CacheRuntime.ATTRIBUTE) instanceof CacheRuntime cache)
        {
            for (ResponseStore.Tier tier : cache.store().tiers())
            {
                entries.add(MultiGauge.Row.of(Tags.of("tier", tier.tier()), tier.entries()));
                bytes.add(MultiGauge.Row.of(Tags.of("tier", tier.tier()), tier.bytes()));
            }
        }
        cacheEntries.register(entries, true);
        cacheBytes.register(bytes, true);

        List<MultiGauge.Row<?>> expiry = new ArrayList<>();
        for (ServedCertificates.Served served : ServedCertificates.of(context))
        {
            expiry.add(MultiGauge.Row.of(Tags.of("alias", served.alias(), "subject", served.subject()), served.notAfter().getEpochSecond()));
        }
        certificateExpiry.register(expiry, true);

        List<MultiGauge.Row<?>> info = new ArrayList<>();
        if (context.getAttribute(ConfigStore.ATTRIBUTE) instanceof ConfigStore store)
        {
            info.add(MultiGauge.Row.of(Tags.of("source", store.source(), "sha256", store.digest()), 1));
        }
        configInfo.register(info, true);
    }
}
