// The output stream the AI front's response wrappers hand out: writes the wrapper takes as they come, never a listener's.
package dev.sluice.ai;

import java.io.IOException;

import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.WriteListener;

/**
 * What the front writes goes through wrappers that translate it ({@link InboundResponse}) or
 * queue it ({@link ClientOutput}); neither blocks the writer, so the stream is always ready and
 * takes no {@link WriteListener}. A wrapper supplies {@link #write(byte[], int, int)} and
 * {@link #flush()}.
 */
abstract class FrontStream extends ServletOutputStream
{
    @Override
    public final boolean isReady()
    {
        return true;
    }

    @Override
    public final void setWriteListener(WriteListener listener)
    {
        throw new IllegalStateException("The AI front's writes never wait for a listener.");
    }

    @Override
    public final void write(int b) throws IOException
    {
        write(new byte[] {(byte)b}, 0, 1);
    }

    @Override
    public abstract void write(byte[] bytes, int offset, int length) throws IOException;

    @Override
    public abstract void flush() throws IOException;
}
