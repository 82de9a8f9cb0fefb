// HTTPS clients for tests: trust the test server's certificate, optionally show a client certificate.
package dev.sluice.testing;

import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.transport.HttpClientTransportOverHTTP;
import org.eclipse.jetty.io.ClientConnector;
import org.eclipse.jetty.util.ssl.SslContextFactory;

public final class TlsClients
{
    private TlsClients()
    {
    }

    /**
     * A started client that trusts {@code server-trust.p12} and, when {@code clientStore} is not
     * null, presents the certificate of {@code <clientStore>.p12}. The caller stops it.
     */
    public static HttpClient start(TestCertificates pki, String clientStore) throws Exception
    {
        SslContextFactory.Client ssl = new SslContextFactory.Client();
        ssl.setTrustStorePath(pki.path("server-trust.p12").toString());
        ssl.setTrustStorePassword(TestCertificates.PASSWORD);
        if (clientStore != null)
        {
            ssl.setKeyStorePath(pki.path(clientStore + ".p12").toString());
            ssl.setKeyStorePassword(TestCertificates.PASSWORD);
        }
        ClientConnector connector = new ClientConnector();
        connector.setSslContextFactory(ssl);
        HttpClient client = new HttpClient(new HttpClientTransportOverHTTP(connector));
        client.start();
        return client;
    }
}
