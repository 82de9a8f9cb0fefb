// A PrintStream that writes to another and keeps a copy: what Sluice printed, read by a test while it still reaches the console.
package dev.sluice.testing;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;

public final class Tee
{
    private Tee()
    {
    }

    /**
     * For {@code System.setOut} or {@code setErr}: a WAR's access log and Logback write to
     * whatever those are when they write, so a test sees its deployment's lines through this.
     */
    public static PrintStream of(PrintStream original, ByteArrayOutputStream copy)
    {
        return new PrintStream(new OutputStream()
        {
            @Override
            public void write(int b)
            {
                original.write(b);
                copy.write(b);
            }

            @Override
            public void write(byte[] bytes, int offset, int length)
            {
                original.write(bytes, offset, length);
                copy.write(bytes, offset, length);
            }
        }, true);
    }
}
