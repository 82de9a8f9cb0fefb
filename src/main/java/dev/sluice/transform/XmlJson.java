// XML to JSON and back with Jackson's XML format; DTDs and external entities are never processed.
package dev.sluice.transform;

import java.io.IOException;

import javax.xml.stream.XMLInputFactory;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.xml.XmlFactory;
import com.fasterxml.jackson.dataformat.xml.XmlMapper;

/**
 * The mapping is Jackson's, documented here so it is predictable: the root element's name is
 * dropped and its content becomes the JSON object; a child element becomes a field; repeated
 * children of one name become an array; attributes become fields of the same object; the text of
 * an element that also has attributes or children is the field {@code ""}; every value is a
 * string; an empty element is {@code ""}. Back from JSON, each field becomes an element (arrays
 * repeat it) under a root element of the configured name.
 *
 * <p>Untrusted XML cannot reach anything: a document with a {@code DOCTYPE} (where XXE and
 * billion-laughs entity declarations live) is not converted at all and passes untouched, and the
 * parser has DTD support and external entities off besides.</p>
 */
public final class XmlJson
{
    private static final XmlMapper XML = secureMapper();
    private static final ObjectMapper JSON = dev.sluice.http.Json.mapper();

    private XmlJson()
    {
    }

    private static XmlMapper secureMapper()
    {
        XMLInputFactory input = XMLInputFactory.newFactory();
        input.setProperty(XMLInputFactory.SUPPORT_DTD, false);
        input.setProperty(XMLInputFactory.IS_SUPPORTING_EXTERNAL_ENTITIES, false);
        input.setProperty(XMLInputFactory.IS_REPLACING_ENTITY_REFERENCES, false);
        // The shared buffer pool, as for JSON (see Json): no thread-local keeps the web application's classes alive.
        return new XmlMapper(XmlFactory.builder().xmlInputFactory(input).recyclerPool(com.fasterxml.jackson.core.util.JsonRecyclerPools.sharedConcurrentDequePool()).build());
    }

    /** The JSON for an XML document; throws on anything that is not well-formed XML without a DTD. */
    public static byte[] toJson(byte[] xml) throws IOException
    {
        if (contains(xml, DOCTYPE))
        {
            // With DTDs off the parser would drop the entities silently and hand back a hollowed document.
            throw new IOException("the document has a DOCTYPE, which is never processed");
        }
        JsonNode tree = XML.readTree(xml);
        if (tree == null)
        {
            throw new IOException("an empty document");
        }
        return JSON.writeValueAsBytes(tree);
    }

    private static final byte[] DOCTYPE = "<!DOCTYPE".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    private static boolean contains(byte[] data, byte[] what)
    {
        outer:
        for (int i = 0; i + what.length <= data.length; i++)
        {
            for (int j = 0; j < what.length; j++)
            {
                if (data[i + j] != what[j])
                {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }

    /** The XML for a JSON value, under a root element of the given name. */
    public static byte[] toXml(JsonNode json, String root) throws IOException
    {
        return XML.writer().withRootName(root).writeValueAsBytes(json);
    }
}
