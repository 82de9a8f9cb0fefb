// Reads route.<name>.openapi, .openapi.max-body and .openapi.responses, loading each document once.
package dev.sluice.openapi;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;

import dev.sluice.config.ConfigReader;
import dev.sluice.route.Route;
import dev.sluice.route.RouteTable;

public final class OpenApiSettingsParser
{
    private OpenApiSettingsParser()
    {
    }

    public static OpenApiSettings parse(ConfigReader reader, RouteTable routes)
    {
        Map<String, OpenApiSettings.RouteApi> apis = new TreeMap<>();
        for (Route route : routes.routes())
        {
            String key = "route." + route.name() + ".openapi";
            String file = reader.optional(key).orElse(null);
            long maxBody = reader.size(key + ".max-body", 1 << 20, 64L << 20);
            String responses = reader.string(key + ".responses", "off");
            if (!responses.equals("off") && !responses.equals("log"))
            {
                reader.invalid(key + ".responses", responses, "off, or log (check upstream responses too and log what does not match)");
            }
            if (file == null || file.isBlank())
            {
                continue;
            }
            if (route.ai())
            {
                reader.problem("Key '" + key + "' is set on AI route '" + route.name() + "'; allowed: on proxied routes only: the AI front checks its own requests.");
                continue;
            }
            if (route.answer() != null)
            {
                reader.problem("Key '" + key + "' is set on route '" + route.name() + "', which Sluice answers itself (redirect or respond); allowed: on proxied routes only.");
                continue;
            }
            try
            {
                ApiDocument document = ApiDocument.load(Path.of(file));
                apis.put(route.name(), new OpenApiSettings.RouteApi(Path.of(file), document, maxBody, responses.equals("log")));
            }
            catch (IOException x)
            {
                reader.invalid(key, file, "a readable OpenAPI 3.0 or 3.1 document (YAML or JSON); it could not be read: "
                    + dev.sluice.config.ConfigStore.why(Path.of(file), x));
            }
            catch (IllegalArgumentException | com.networknt.schema.SchemaException x)
            {
                reader.invalid(key, file, "an OpenAPI 3.0 or 3.1 document (YAML or JSON); " + x.getMessage());
            }
        }
        return new OpenApiSettings(apis);
    }
}
