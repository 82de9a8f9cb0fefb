// The version this build of Sluice carries, for the start-up log, /-/ready and sluice_build_info.
package dev.sluice.observe;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/** Read once from {@code dev/sluice/build.properties}, which the build fills in. */
public final class BuildInfo
{
    private static final String VERSION = load();

    private BuildInfo()
    {
    }

    /** The project version, or {@code unknown} when run from classes the build did not filter. */
    public static String version()
    {
        return VERSION;
    }

    private static String load()
    {
        try (InputStream in = BuildInfo.class.getResourceAsStream("/dev/sluice/build.properties"))
        {
            if (in == null)
            {
                return "unknown";
            }
            Properties properties = new Properties();
            properties.load(in);
            String version = properties.getProperty("version", "unknown");
            return version.startsWith("${") ? "unknown" : version;
        }
        catch (IOException x)
        {
            return "unknown";
        }
    }
}
