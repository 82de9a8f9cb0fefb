// The version the POM gives Sluice, which the build writes into the artefact (read here independently of it).
package dev.sluice.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

public final class ProjectVersion
{
    private ProjectVersion()
    {
    }

    public static String fromPom() throws IOException
    {
        return Files.readString(Path.of("pom.xml")).replaceAll("(?s).*?<artifactId>sluice</artifactId>\\s*<version>([^<]+)</version>.*", "$1");
    }
}
