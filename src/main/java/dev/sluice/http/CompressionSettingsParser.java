// Parses compression.* and route.<name>.compression into CompressionSettings, reporting every problem.
package dev.sluice.http;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import dev.sluice.config.ConfigReader;

public final class CompressionSettingsParser
{
    private static final List<String> MODES = List.of("off", "gzip");
    /** Larger thresholds are a typo: nothing of 64 MB is worth leaving uncompressed for size. */
    private static final long MAX_MIN_SIZE = 64L * 1024 * 1024;

    private CompressionSettingsParser()
    {
    }

    public static CompressionSettings parse(ConfigReader reader, Set<String> routeNames)
    {
        boolean gzip = reader.choice("compression", "off", MODES).equals("gzip");
        long minSize = reader.size("compression.min-size", CompressionSettings.DEFAULT_MIN_SIZE, MAX_MIN_SIZE);
        int level = reader.integer("compression.level", CompressionSettings.DEFAULT_LEVEL, 1, 9);
        List<String> types = CompressionSettings.DEFAULT_TYPES;
        if (reader.isSet("compression.types"))
        {
            types = new ArrayList<>();
            List<String> listed = reader.list("compression.types");
            for (String type : listed)
            {
                String lower = type.toLowerCase(Locale.ROOT);
                if (CompressionSettings.validPattern(lower))
                {
                    types.add(lower);
                }
                else
                {
                    reader.invalid("compression.types", type, "media types separated by commas, each type/subtype, type/* or type/*+suffix "
                        + "(e.g. application/json, text/*, application/*+json)");
                }
            }
            if (listed.isEmpty())
            {
                reader.invalid("compression.types", reader.string("compression.types", ""), "at least one media type, e.g. application/json");
            }
        }
        Map<String, Boolean> routes = new HashMap<>();
        for (String route : routeNames)
        {
            String key = "route." + route + ".compression";
            if (reader.isSet(key))
            {
                routes.put(route, reader.choice(key, "off", MODES).equals("gzip"));
            }
        }
        return new CompressionSettings(gzip, minSize, types, level, routes);
    }
}
