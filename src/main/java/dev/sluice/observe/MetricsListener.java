// Makes the web application's metrics registry at start (after the configuration) and closes it at the end.
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
    }

    @Override
    public void contextDestroyed(ServletContextEvent event)
    {
        if (event.getServletContext().getAttribute(Metrics.ATTRIBUTE) instanceof Metrics metrics)
        {
            event.getServletContext().removeAttribute(Metrics.ATTRIBUTE);
            metrics.close();
        }
    }
}
