// One edit of a JSON body by JSON Pointer (RFC 6901).
package dev.sluice.transform;

import com.fasterxml.jackson.core.JsonPointer;
import com.fasterxml.jackson.databind.JsonNode;

/**
 * @param to for {@code MOVE} the destination pointer; for {@code RENAME} a pointer to the same
 *        parent with the new name
 * @param value for {@code ADD} and {@code SET}: a template (the value is its expansion, a string),
 *        or null when {@code literal} is set ({@code json:<value>} in the configuration)
 */
public record JsonOp(Kind kind, JsonPointer path, JsonPointer to, Template value, JsonNode literal)
{
    /** In the order they are applied. */
    public enum Kind
    {
        REMOVE, RENAME, MOVE, SET, ADD
    }
}
