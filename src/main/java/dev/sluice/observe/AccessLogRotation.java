// When the access-log file is rotated, and how many old files are kept.
package dev.sluice.observe;

/**
 * {@code exchange.access-log.max-size} (default 100MB; 0 = never: leave it to logrotate, which
 * Sluice follows when it renames the file) and {@code exchange.access-log.max-files} (default 10):
 * when the next line would take the file past the size, {@code access.log} becomes
 * {@code access.log.1}, {@code .1} becomes {@code .2} and so on, the oldest beyond the count is
 * deleted, and a new file is started. Only for a file output.
 */
public record AccessLogRotation(long maxBytes, int maxFiles)
{
    public static final AccessLogRotation DEFAULT = new AccessLogRotation(100L * 1024 * 1024, 10);
}
