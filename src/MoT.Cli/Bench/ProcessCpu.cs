using System.Globalization;

namespace MoT.Cli.Bench;

/// <summary>
/// CPU time the kernel charged to processes (<c>/proc/PID/stat</c> utime + stime) and to the whole machine
/// (<c>/proc/stat</c>), in seconds. Two readings a hold apart give the cores each side kept busy, which splits a page's
/// cost between the dashboard host and the browser's renderers on a shared machine.
/// </summary>
internal static class ProcessCpu
{
    // USER_HZ: the unit of /proc's CPU times; 100 on every Linux ABI in use.
    private const double TicksPerSecond = 100;

    /// <summary>CPU seconds used so far by <paramref name="processId"/> alone.</summary>
    public static double Seconds(int processId) => Ticks(processId) / TicksPerSecond;

    /// <summary>CPU seconds used so far by <paramref name="processId"/> and every live process below it (a browser and its renderers).</summary>
    public static double TreeSeconds(int processId)
    {
        var parents = new Dictionary<int, int>();
        foreach (var folder in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(folder), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) && Stat(pid) is { } fields)
                parents[pid] = int.Parse(fields[1], CultureInfo.InvariantCulture);
        }

        var tree = new HashSet<int> { processId };
        for (var grew = true; grew;)
        {
            grew = false;
            foreach (var (pid, parent) in parents)
            {
                if (tree.Contains(parent) && tree.Add(pid)) grew = true;
            }
        }

        return tree.Sum(Ticks) / TicksPerSecond;
    }

    /// <summary>Busy and total CPU seconds of the whole machine (all cores) so far: busy is everything but idle and iowait.</summary>
    public static (double Busy, double Total) Machine()
    {
        var cpu = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1)
            .Select(v => long.Parse(v, CultureInfo.InvariantCulture)).ToArray();
        var total = cpu.Take(8).Sum();  // user nice system idle iowait irq softirq steal (guest is inside user)
        return ((total - cpu[3] - cpu[4]) / TicksPerSecond, total / TicksPerSecond);
    }

    private static long Ticks(int processId) =>
        Stat(processId) is { } fields ? long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture) : 0;

    /// <summary>The fields of /proc/PID/stat after the command name (state is [0], ppid [1], utime [11], stime [12]); null when gone.</summary>
    private static string[]? Stat(int processId)
    {
        try
        {
            var line = File.ReadAllText($"/proc/{processId}/stat");
            // The command name is in parentheses and may hold spaces: split after its closing one.
            return line[(line.LastIndexOf(')') + 2)..].Split(' ');
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
