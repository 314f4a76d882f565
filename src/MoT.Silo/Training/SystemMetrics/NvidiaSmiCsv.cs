using System.Globalization;

namespace MoT.Silo.Training.SystemMetrics;

/// <summary>One GPU as nvidia-smi reports it; a field the device does not report (<c>[N/A]</c>, <c>[Not Supported]</c>) is null.</summary>
/// <param name="Index">nvidia-smi's index (PCI bus order).</param>
public sealed record GpuReading(int Index, double? UtilizationPercent, double? MemoryUsedMiB, double? MemoryTotalMiB);

/// <summary>The GPUs of one nvidia-smi answer, and how many lines could not be read.</summary>
public sealed record GpuQueryAnswer(IReadOnlyList<GpuReading> Gpus, int UnreadableLines);

/// <summary>
/// Reads the output of <c>nvidia-smi --query-gpu=index,utilization.gpu,memory.used,memory.total --format=csv,noheader,nounits</c>:
/// one line per GPU, four comma-separated fields. A line that is not four fields with a whole-number index is counted as
/// unreadable, never guessed at; a bracketed or non-numeric value is "not reported" for that field only.
/// </summary>
public static class NvidiaSmiCsv
{
    /// <summary>The fields asked for, in the order they come back.</summary>
    public const string QueryFields = "index,utilization.gpu,memory.used,memory.total";

    public static GpuQueryAnswer Parse(string output)
    {
        var gpus = new List<GpuReading>();
        var unreadable = 0;
        foreach (var raw in output.Split('\n'))
        {
            var line = raw.Trim();
            if (line.Length == 0) continue;
            var fields = line.Split(',');
            if (fields.Length != 4 || !int.TryParse(fields[0].Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var index))
            {
                unreadable++;
                continue;
            }

            gpus.Add(new GpuReading(index, Number(fields[1]), Number(fields[2]), Number(fields[3])));
        }

        return new GpuQueryAnswer(gpus, unreadable);
    }

    private static double? Number(string field) =>
        double.TryParse(field.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && double.IsFinite(value) && value >= 0
            ? value
            : null;
}
