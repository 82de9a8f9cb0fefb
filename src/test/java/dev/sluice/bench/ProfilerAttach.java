// Starts and stops async-profiler in a running JVM (bench/cpu-profile.sh): the JDK's attach API, no jattach binary needed.
package dev.sluice.bench;

import com.sun.tools.attach.VirtualMachine;

/** {@code java dev.sluice.bench.ProfilerAttach PID LIBASYNCPROFILER.so OPTIONS}: loads the agent with those options (start, stop, ...). */
public final class ProfilerAttach
{
    private ProfilerAttach()
    {
    }

    public static void main(String[] args) throws Exception
    {
        VirtualMachine vm = VirtualMachine.attach(args[0]);
        try
        {
            vm.loadAgentPath(args[1], args[2]);
        }
        finally
        {
            vm.detach();
        }
    }
}
