// Logback encoder for Sluice's own log: text or one JSON object per event, chosen by one setting.
package dev.sluice.observe;

import ch.qos.logback.classic.encoder.JsonEncoder;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.encoder.Encoder;
import ch.qos.logback.core.encoder.EncoderBase;

/**
 * Used by the shipped {@code logback.xml} with {@code <format>} from {@code SLUICE_LOG_FORMAT} /
 * {@code -Dsluice.log.format}: {@code text} (the {@code <pattern>}) or {@code json} (Logback's
 * {@link JsonEncoder}). One appender whatever the format, so Logback has nothing unused to warn
 * about at start; an unknown format is reported in Logback's status and falls back to text.
 */
public final class LogEncoder extends EncoderBase<ILoggingEvent>
{
    private String format = "text";
    private String pattern = "%msg%n";
    private Encoder<ILoggingEvent> delegate;

    public void setFormat(String format)
    {
        this.format = format == null ? "text" : format.trim();
    }

    public void setPattern(String pattern)
    {
        this.pattern = pattern;
    }

    @Override
    public void start()
    {
        if (format.equals("json"))
        {
            JsonEncoder json = new JsonEncoder();
            json.setContext(getContext());
            delegate = json;
        }
        else
        {
            if (!format.equals("text"))
            {
                addError("SLUICE_LOG_FORMAT / sluice.log.format is '" + format + "'; allowed: text or json. Logging as text.");
            }
            PatternLayoutEncoder text = new PatternLayoutEncoder();
            text.setContext(getContext());
            text.setPattern(pattern);
            delegate = text;
        }
        delegate.start();
        super.start();
    }

    @Override
    public void stop()
    {
        if (delegate != null)
        {
            delegate.stop();
        }
        super.stop();
    }

    @Override
    public byte[] headerBytes()
    {
        return delegate.headerBytes();
    }

    @Override
    public byte[] encode(ILoggingEvent event)
    {
        return delegate.encode(event);
    }

    @Override
    public byte[] footerBytes()
    {
        return delegate.footerBytes();
    }
}
