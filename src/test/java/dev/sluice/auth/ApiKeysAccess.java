// Test access to the hash the API-key store uses, for tests in other packages.
package dev.sluice.auth;

public final class ApiKeysAccess
{
    private ApiKeysAccess()
    {
    }

    public static byte[] sha256(String text)
    {
        return ApiKeys.sha256(text);
    }
}
