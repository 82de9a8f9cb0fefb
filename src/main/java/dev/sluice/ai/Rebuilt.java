// A resource made from part of the configuration and made again, the old one closed, when that part changes on reload.
package dev.sluice.ai;

import java.util.function.Consumer;
import java.util.function.Function;

/**
 * The usual request reads one volatile field and compares its key; only a changed key takes the
 * lock. Keys are compared with {@code equals}, so an unchanged part of a reloaded configuration
 * keeps its resource (and what it holds: cached answers, spending).
 */
final class Rebuilt<K, T>
{
    private record Made<K, T>(K key, T value)
    {
    }

    private final Function<K, T> make;
    private final Consumer<T> close;
    private volatile Made<K, T> made;

    Rebuilt(Function<K, T> make, Consumer<T> close)
    {
        this.make = make;
        this.close = close;
    }

    T get(K key)
    {
        Made<K, T> current = made;
        if (current != null && current.key().equals(key))
        {
            return current.value();
        }
        synchronized (this)
        {
            current = made;
            if (current == null || !current.key().equals(key))
            {
                if (current != null)
                {
                    close.accept(current.value());
                }
                current = new Made<>(key, make.apply(key));
                made = current;
            }
            return current.value();
        }
    }

    synchronized void close()
    {
        Made<K, T> current = made;
        made = null;
        if (current != null)
        {
            close.accept(current.value());
        }
    }
}
