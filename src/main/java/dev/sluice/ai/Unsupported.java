// A request field a provider has no equivalent for: refused with 400 naming the field.
package dev.sluice.ai;

/** Thrown by translation; the message names the field as a JSON path such as {@code messages[2].content[0].type}. */
public final class Unsupported extends Exception
{
    private final String field;

    public Unsupported(String field, String why)
    {
        super(why, null, false, false);
        this.field = field;
    }

    public String field()
    {
        return field;
    }
}
