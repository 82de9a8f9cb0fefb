// One thing wrong with a request, at a JSON Pointer into it, listed in a problem document's "violations".
package dev.sluice.http;

/**
 * @param pointer where, e.g. {@code /query/limit} or {@code /body/items/0/qty}
 * @param message what is wrong, in words that never repeat the request's own text
 */
public record Violation(String pointer, String message)
{
}
