// Makes the web application's metrics registry and span export at start (after the configuration) and closes them at the end.
package dev.sluice.observe;

import jakarta.servlet.ServletContextEvent;
import jakarta.servlet.ServletContextListener;

/** Declared in web.xml after {@code ConfigListener}, whose settings it reads. */
public final class MetricsListener implements ServletContextListener
{
    @Override
    public void contextInitialized(ServletContextEvent event)
    {
        Metrics.of(event.getServletContext());
        Tracing.of(event.getServletContext());
    }

    @Override
    public void contextDestroyed(ServletContextEvent event)
    {
        if (event.getServletContext().getAttribute(Metrics.ATTRIBUTE) instanceof Metrics metrics)
        {
            event.getServletContext().removeAttribute(Metrics.ATTRIBUTE);
            metrics.close();
        }
        if (event.getServletContext().getAttribute(Tracing.ATTRIBUTE) instanceof Tracing tracing)
        {
            event.getServletContext().removeAttribute(Tracing.ATTRIBUTE);
            // Gives the last spans up to 3 s (or observe.otlp.timeout, if shorter) to go.
            tracing.close();
        }
    }
}
