using MoT.Dashboard.Components.Widgets.Charts;
using MoT.Silo.Training;

namespace MoT.Dashboard.Runs;

/// <summary>
/// The run page's System chart, read off the run's curves: utilisation (host process CPU %, GPU %) and memory (host
/// process resident MiB, GPU memory used and total MiB). GPU series appear only for runs that trained on CUDA.
/// </summary>
public static class SystemCurves
{
    public const string CpuName = "process CPU %";
    public const string ResidentName = "process resident MiB";
    public const string GpuUtilizationName = "GPU utilisation %";
    public const string GpuMemoryUsedName = "GPU memory used MiB";
    public const string GpuMemoryTotalName = "GPU memory total MiB";

    /// <summary>True when the run recorded any system metric (else the panel is hidden).</summary>
    public static bool Any(CurveSet curves) => curves.Names.Any(n => n.StartsWith("system.", StringComparison.Ordinal));

    /// <summary>Percent series: the process's CPU (of one core, so above 100 on several) and the GPU's utilisation.</summary>
    public static IReadOnlyList<ChartSeries> Utilization(CurveSet curves) => Present(
        new ChartSeries(CpuName, curves.Get(MetricNames.ProcessCpuPercent), ChartPalette.At(0)),
        new ChartSeries(GpuUtilizationName, curves.Get(MetricNames.GpuUtilizationPercent), ChartPalette.At(3)));

    /// <summary>MiB series: the process's resident memory and the GPU's memory used, with its total dashed for scale.</summary>
    public static IReadOnlyList<ChartSeries> Memory(CurveSet curves) => Present(
        new ChartSeries(ResidentName, curves.Get(MetricNames.ProcessResidentMegabytes), ChartPalette.At(2)),
        new ChartSeries(GpuMemoryUsedName, curves.Get(MetricNames.GpuMemoryUsedMegabytes), ChartPalette.At(1)),
        new ChartSeries(GpuMemoryTotalName, curves.Get(MetricNames.GpuMemoryTotalMegabytes), ChartPalette.At(1), Dashed: true));

    private static IReadOnlyList<ChartSeries> Present(params ChartSeries[] series) => [.. series.Where(s => s.Points.Count > 0)];
}
