// A request path Sluice will not route: it is ambiguous or escapes the root.
package dev.sluice.route;

public final class BadPathException extends Exception
{
    private static final long serialVersionUID = 1L;

    public BadPathException(String reason)
    {
        super(reason, null, false, false);
    }
}
