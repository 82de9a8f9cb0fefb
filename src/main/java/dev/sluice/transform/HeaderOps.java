// The header (or query parameter) edits of one side of a route: add, set, append, remove, rename.
package dev.sluice.transform;

import java.util.List;
import java.util.Map;

/**
 * Applied in the order Kong's request-transformer uses: remove, rename, set (replace or add),
 * add (only if absent), append (another value). Names are compared without regard to case for
 * headers and exactly for query parameters.
 */
public record HeaderOps(List<String> remove, Map<String, String> rename, Map<String, Template> set, Map<String, Template> add,
                        Map<String, Template> append)
{
    public static final HeaderOps NONE = new HeaderOps(List.of(), Map.of(), Map.of(), Map.of(), Map.of());

    public HeaderOps
    {
        remove = List.copyOf(remove);
        rename = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(rename));
        set = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(set));
        add = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(add));
        append = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(append));
    }

    public boolean empty()
    {
        return remove.isEmpty() && rename.isEmpty() && set.isEmpty() && add.isEmpty() && append.isEmpty();
    }
}
