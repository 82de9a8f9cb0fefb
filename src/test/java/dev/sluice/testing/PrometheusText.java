// A strict reader of the Prometheus text exposition format (0.0.4) and OpenMetrics 1.0, for tests.
package dev.sluice.testing;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parses every line and throws {@link IllegalArgumentException} naming the line for anything a
 * Prometheus server would reject: bad metric or label names, bad escapes, unparsable values, a
 * family's TYPE after its samples or twice, a family's samples not contiguous, a histogram
 * whose buckets are not cumulative or whose {@code +Inf} bucket differs from its count, and for
 * OpenMetrics a missing {@code # EOF}.
 */
public final class PrometheusText
{
    private static final Pattern NAME = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
    private static final Pattern LABEL = Pattern.compile("[a-zA-Z_][a-zA-Z0-9_]*");
    private static final Set<String> TYPES = Set.of("counter", "gauge", "histogram", "summary", "untyped", "unknown", "info", "stateset",
        "gaugehistogram");

    /** One sample: its metric name, labels in order and value. */
    public record Sample(String name, Map<String, String> labels, double value)
    {
        public String label(String name)
        {
            return labels.get(name);
        }
    }

    private final List<Sample> samples;
    private final Map<String, String> types;

    private PrometheusText(List<Sample> samples, Map<String, String> types)
    {
        this.samples = samples;
        this.types = types;
    }

    public List<Sample> samples()
    {
        return samples;
    }

    public String type(String family)
    {
        return types.get(family);
    }

    /** The value of the one sample with this name and (at least) these labels; fails if not exactly one. */
    public double value(String name, String... labels)
    {
        List<Sample> found = find(name, labels);
        if (found.size() != 1)
        {
            throw new AssertionError(found.size() + " samples of " + name + " " + List.of(labels) + ": " + found);
        }
        return found.get(0).value();
    }

    /** The value, or 0 when no such sample exists (a counter not yet incremented). */
    public double valueOrZero(String name, String... labels)
    {
        List<Sample> found = find(name, labels);
        return found.isEmpty() ? 0 : value(name, labels);
    }

    public List<Sample> find(String name, String... labels)
    {
        List<Sample> found = new ArrayList<>();
        for (Sample sample : samples)
        {
            if (!sample.name().equals(name))
            {
                continue;
            }
            boolean all = true;
            for (int i = 0; i < labels.length; i += 2)
            {
                all &= labels[i + 1].equals(sample.labels().get(labels[i]));
            }
            if (all)
            {
                found.add(sample);
            }
        }
        return found;
    }

    public static PrometheusText parse(String text, boolean openMetrics)
    {
        List<Sample> samples = new ArrayList<>();
        Map<String, String> types = new HashMap<>();
        Set<String> finished = new HashSet<>();
        Set<String> seenSeries = new HashSet<>();
        String currentFamily = null;
        String[] lines = text.split("\n", -1);
        if (!text.endsWith("\n"))
        {
            throw new IllegalArgumentException("The exposition does not end with a line feed");
        }
        boolean eof = false;
        for (int n = 0; n < lines.length - 1; n++)
        {
            String line = lines[n];
            String where = "line " + (n + 1) + " '" + line + "': ";
            if (eof)
            {
                throw new IllegalArgumentException(where + "after # EOF");
            }
            if (line.isEmpty())
            {
                if (openMetrics)
                {
                    throw new IllegalArgumentException(where + "empty lines are not allowed in OpenMetrics");
                }
                continue;
            }
            if (line.startsWith("#"))
            {
                if (line.equals("# EOF"))
                {
                    eof = true;
                    continue;
                }
                String[] parts = line.split(" ", 4);
                if (parts.length >= 3 && (parts[1].equals("HELP") || parts[1].equals("TYPE") || parts[1].equals("UNIT")))
                {
                    String family = parts[2];
                    require(NAME.matcher(family).matches(), where + "bad family name");
                    if (!family.equals(currentFamily))
                    {
                        require(!finished.contains(family), where + "family " + family + " appears twice");
                        if (currentFamily != null)
                        {
                            finished.add(currentFamily);
                        }
                        currentFamily = family;
                    }
                    if (parts[1].equals("TYPE"))
                    {
                        require(parts.length == 4 && TYPES.contains(parts[3]), where + "bad type");
                        require(types.put(family, parts[3]) == null, where + "TYPE given twice");
                    }
                    continue;
                }
                require(!openMetrics, where + "unknown comment in OpenMetrics");
                continue;
            }
            Sample sample = sample(line, where);
            String family = familyOf(sample.name(), types);
            if (!family.equals(currentFamily))
            {
                require(!finished.contains(family), where + "samples of " + family + " are not contiguous");
                if (currentFamily != null)
                {
                    finished.add(currentFamily);
                }
                currentFamily = family;
            }
            require(seenSeries.add(sample.name() + sample.labels()), where + "the same series twice");
            samples.add(sample);
        }
        require(!openMetrics || eof, "OpenMetrics exposition without # EOF");
        checkHistograms(samples, types);
        return new PrometheusText(samples, types);
    }

    private static String familyOf(String name, Map<String, String> types)
    {
        for (String suffix : List.of("_bucket", "_count", "_sum", "_total", "_created", "_info"))
        {
            if (name.endsWith(suffix))
            {
                String base = name.substring(0, name.length() - suffix.length());
                if (types.containsKey(base))
                {
                    return base;
                }
            }
        }
        return name;
    }

    private static Sample sample(String line, String where)
    {
        Matcher name = NAME.matcher(line);
        require(name.lookingAt(), where + "bad metric name");
        int i = name.end();
        Map<String, String> labels = new LinkedHashMap<>();
        if (i < line.length() && line.charAt(i) == '{')
        {
            i++;
            while (line.charAt(i) != '}')
            {
                Matcher label = LABEL.matcher(line).region(i, line.length());
                require(label.lookingAt(), where + "bad label name at " + i);
                String key = line.substring(i, label.end());
                i = label.end();
                require(line.charAt(i) == '=' && line.charAt(i + 1) == '"', where + "label without =\"");
                i += 2;
                StringBuilder value = new StringBuilder();
                while (line.charAt(i) != '"')
                {
                    char c = line.charAt(i);
                    if (c == '\\')
                    {
                        char escaped = line.charAt(i + 1);
                        require(escaped == '\\' || escaped == '"' || escaped == 'n', where + "bad escape \\" + escaped);
                        value.append(escaped == 'n' ? '\n' : escaped);
                        i += 2;
                        continue;
                    }
                    value.append(c);
                    i++;
                }
                i++;
                require(labels.put(key, value.toString()) == null, where + "label " + key + " twice");
                if (line.charAt(i) == ',')
                {
                    i++;
                }
            }
            i++;
        }
        require(i < line.length() && line.charAt(i) == ' ', where + "no space before the value");
        String[] rest = line.substring(i + 1).split(" ");
        require(rest.length == 1 || rest.length == 2, where + "value followed by more than a timestamp");
        return new Sample(line.substring(0, name.end()), labels, number(rest[0], where));
    }

    private static double number(String text, String where)
    {
        switch (text)
        {
            case "+Inf":
                return Double.POSITIVE_INFINITY;
            case "-Inf":
                return Double.NEGATIVE_INFINITY;
            case "NaN":
                return Double.NaN;
            default:
                try
                {
                    return Double.parseDouble(text);
                }
                catch (NumberFormatException x)
                {
                    throw new IllegalArgumentException(where + "bad value " + text);
                }
        }
    }

    private static void checkHistograms(List<Sample> samples, Map<String, String> types)
    {
        Map<String, List<Sample>> buckets = new LinkedHashMap<>();
        Map<String, Double> counts = new HashMap<>();
        for (Sample sample : samples)
        {
            if (sample.name().endsWith("_bucket") && "histogram".equals(types.get(sample.name().substring(0, sample.name().length() - 7))))
            {
                Map<String, String> series = new LinkedHashMap<>(sample.labels());
                require(series.remove("le") != null, "histogram bucket without le: " + sample);
                buckets.computeIfAbsent(sample.name().substring(0, sample.name().length() - 7) + series, k -> new ArrayList<>()).add(sample);
            }
            if (sample.name().endsWith("_count") && "histogram".equals(types.get(sample.name().substring(0, sample.name().length() - 6))))
            {
                counts.put(sample.name().substring(0, sample.name().length() - 6) + sample.labels(), sample.value());
            }
        }
        buckets.forEach((series, list) ->
        {
            double previousBound = Double.NEGATIVE_INFINITY;
            double previous = 0;
            for (Sample bucket : list)
            {
                double bound = number(bucket.label("le"), "le of " + series + ": ");
                require(bound > previousBound, "buckets of " + series + " not in increasing le order");
                require(bucket.value() >= previous, "buckets of " + series + " not cumulative");
                previousBound = bound;
                previous = bucket.value();
            }
            require(previousBound == Double.POSITIVE_INFINITY, "histogram " + series + " without a +Inf bucket");
            Double count = counts.get(series);
            require(count != null && count == previous, "histogram " + series + ": +Inf bucket " + previous + " but count " + count);
        });
    }

    private static void require(boolean condition, String message)
    {
        if (!condition)
        {
            throw new IllegalArgumentException(message);
        }
    }
}
