// Everything one route changes on the way through: headers, query, JSON bodies, XML <-> JSON.
package dev.sluice.transform;

import java.util.List;

/**
 * @param maxBody the largest body transformed, in bytes; larger ones pass untouched (or, for
 *        requests with {@code required}, are refused with 413)
 * @param compressed whether a gzip response body is decompressed, transformed and compressed
 *        again ({@code response.gzip = transform}, the default) or passed untouched ({@code pass})
 * @param jsonToXmlRoot the root element of a request body turned into XML, or null for no conversion
 */
public record RouteTransform(
    HeaderOps requestHeaders,
    HeaderOps requestQuery,
    HeaderOps responseHeaders,
    List<JsonOp> requestJson,
    List<JsonOp> responseJson,
    boolean xmlToJson,
    String jsonToXmlRoot,
    long maxBody,
    boolean required,
    boolean compressed)
{
    public RouteTransform
    {
        requestJson = List.copyOf(requestJson);
        responseJson = List.copyOf(responseJson);
    }

    /** Whether the request body is read and rewritten before it goes upstream. */
    public boolean requestBody()
    {
        return !requestJson.isEmpty() || jsonToXmlRoot != null;
    }

    /** Whether the response body is held and rewritten before it goes to the client. */
    public boolean responseBody()
    {
        return !responseJson.isEmpty() || xmlToJson;
    }
}
