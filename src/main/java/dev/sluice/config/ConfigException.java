// A configuration that cannot be used, with every problem found in it.
package dev.sluice.config;

import java.util.List;

/**
 * Thrown when a configuration is invalid. It carries every problem found, not just the first,
 * so one edit can fix them all. Messages are built by the static factories here so they read
 * the same everywhere and tests can assert them exactly.
 */
public final class ConfigException extends Exception
{
    private static final long serialVersionUID = 1L;

    private final List<String> problems;

    public ConfigException(String source, List<String> problems)
    {
        super("Invalid configuration " + source + ":\n  - " + String.join("\n  - ", problems));
        this.problems = List.copyOf(problems);
    }

    public List<String> problems()
    {
        return problems;
    }

    /** Keys whose values are never repeated in a message: they may hold credentials. */
    private static final java.util.regex.Pattern SECRET = java.util.regex.Pattern.compile(
        "(?i).*(password|secret|token|credential|api-?key|private-key|\\.key)$|.*\\.(password|secret|api-key)\\..*|.*redis\\.uri$");

    static String invalid(String key, String value, String allowed)
    {
        String shown = SECRET.matcher(key).matches() ? "(redacted)" : value;
        return "Key '" + key + "' has value '" + shown + "'; allowed: " + allowed + ".";
    }

    static String required(String key, String allowed)
    {
        return "Key '" + key + "' is required; allowed: " + allowed + ".";
    }

    static String unknown(String key, String nearest)
    {
        return "Key '" + key + "' is not a known setting" + (nearest == null ? "" : "; did you mean '" + nearest + "'?")
            + " (see conf/sluice.properties for every key).";
    }

    static String unresolved(String key, String variable)
    {
        return "Key '" + key + "' refers to ${" + variable + "}, which is neither an environment variable nor a system property.";
    }
}
