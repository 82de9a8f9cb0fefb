// The callback of one piece of an upstream's body on its way to the client: its failure is the client's, never the target's.
package dev.sluice.proxy;

import dev.sluice.exchange.Exchange;
import org.eclipse.jetty.util.Callback;

/**
 * A piece that cannot be written to the client (the client went away, or the container would
 * not send the head) fails this callback: the exchange is marked as the client's before Jetty
 * aborts the upstream response with the failure, so the target is not blamed. Counted against
 * it, clients that dropped their downloads ejected healthy targets.
 */
record ClientWrite(Exchange exchange, Callback upstream) implements Callback
{
    @Override
    public void succeeded()
    {
        upstream.succeeded();
    }

    @Override
    public void failed(Throwable failure)
    {
        clientGone(exchange);
        upstream.failed(failure);
    }

    @Override
    public InvocationType getInvocationType()
    {
        return upstream.getInvocationType();
    }

    /** Marks the exchange as ended by the client, unless something else already ended it. */
    static void clientGone(Exchange exchange)
    {
        if (exchange.outcome() == Exchange.Outcome.OK)
        {
            exchange.outcome(Exchange.Outcome.CLIENT_ABORTED);
        }
    }
}
