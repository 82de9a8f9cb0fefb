// A declared API consumer: who a credential belongs to.
package dev.sluice.auth;

import java.util.Set;

/**
 * A consumer from {@code consumer.<id>.*}. Its id, username, custom id and groups are what the
 * upstream is told ({@code X-Consumer-*}) once one of its credentials authenticated a request.
 *
 * @param customId an identifier from another system (a CRM id, an account number), or null
 */
public record Consumer(String id, String username, String customId, Set<String> groups)
{
    public Consumer
    {
        groups = Set.copyOf(groups);
    }
}
