// Header fields as {name, value} pairs, the form the cache stores and compares.
package dev.sluice.proxy;

import java.util.ArrayList;
import java.util.List;

import org.eclipse.jetty.http.HttpField;

final class FieldPairs
{
    private FieldPairs()
    {
    }

    /** Every field line in order, values exactly as received. */
    static List<String[]> of(Iterable<HttpField> headers)
    {
        List<String[]> fields = new ArrayList<>();
        for (HttpField field : headers)
        {
            fields.add(new String[] {field.getName(), field.getValue()});
        }
        return fields;
    }
}
