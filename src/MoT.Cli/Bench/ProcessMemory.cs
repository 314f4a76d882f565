using System.Globalization;

namespace MoT.Cli.Bench;

/// <summary>A process's resident memory as the kernel reports it (<c>/proc/PID/status</c>), in MiB.</summary>
internal static class ProcessMemory
{
    /// <summary>VmRSS (resident now) and VmHWM (the most it was ever resident).</summary>
    public static (double ResidentMiB, double PeakMiB) Read(int processId)
    {
        double rss = 0, hwm = 0;
        foreach (var line in File.ReadLines($"/proc/{processId}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal)) rss = Kib(line) / 1024.0;
            else if (line.StartsWith("VmHWM:", StringComparison.Ordinal)) hwm = Kib(line) / 1024.0;
        }

        return (rss, hwm);
    }

    private static long Kib(string line) =>
        long.Parse(line.Split(':', 2)[1].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
}
