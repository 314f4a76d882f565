using MoT.Contracts.Runs;
using MoT.Dashboard.Components.Widgets.Charts;
using MoT.Silo.Sweeps;

namespace MoT.Dashboard.Runs;

/// <summary>What the compare chart's x-axis counts.</summary>
public enum CompareAxis
{
    Step,
    /// <summary>Training tokens seen: step x batch size x sequence length (x gradient accumulation) of each run.</summary>
    Tokens,
}

/// <summary>One run on the compare page: its recorded metrics, how many tokens one step trains on, its legend label, and
/// where it started when it was warm-started from another run's checkpoint (null: from scratch).</summary>
public sealed record ComparedRun(Guid RunId, IReadOnlyList<MetricSeries> Metrics, long? TokensPerStep, string? Label = null, WarmStart? WarmStart = null);

/// <summary>The compare page: runs' curves of one metric, smoothed, against steps or tokens.</summary>
public sealed class CompareModel
{
    private readonly List<ComparedRun> _runs = [];

    public IReadOnlyList<ComparedRun> Runs => _runs;

    public void Add(ComparedRun run) => _runs.Add(run);

    public void Clear() => _runs.Clear();

    /// <summary>Runs whose config does not say their tokens per step (left out of a tokens axis).</summary>
    public IReadOnlyList<Guid> WithoutTokens => [.. _runs.Where(r => r.TokensPerStep is null).Select(r => r.RunId)];

    /// <summary>Tokens per optimizer step from a run config: batch_size x seq_len x grad accumulation, the preset's
    /// batch size and context length when the config leaves them out; null when neither says.</summary>
    public static long? TokensPerStep(string? configJson)
    {
        var preset = PresetCatalog.Find(RunConfigValues.Read(configJson, "model.preset"));
        var batch = RunConfigValues.ReadNumber(configJson, "training.batch_size") ?? preset?.BatchSize;
        var context = RunConfigValues.ReadNumber(configJson, "model.seq_len") ?? preset?.SeqLen;
        var accumulation = RunConfigValues.ReadNumber(configJson, "training.grad_accumulation") ?? 1;
        return batch is { } b && context is { } c && b > 0 && c > 0 ? (long)(b * c * Math.Max(1, accumulation)) : null;
    }

    /// <summary>
    /// One line per run named by its label (runs without tokens per step are skipped on a tokens axis), downsampled then
    /// smoothed. A warm-started run is drawn where its training lies in its lineage: offset by the steps before its start,
    /// and on a tokens axis after the tokens its ancestors trained.
    /// </summary>
    public IReadOnlyList<ChartSeries> Lines(string metric, double smoothing, CompareAxis axis) => [.. _runs
        .Select((run, i) => (run, color: ChartPalette.At(i)))
        .Where(x => axis == CompareAxis.Step || x.run.TokensPerStep is not null)
        .Select(x =>
        {
            var points = (x.run.Metrics.FirstOrDefault(s => s.Name == metric)?.Points ?? []).Select(p => (X(x.run, p.Step, axis), p.Value)).ToList();
            return new ChartSeries(x.run.Label ?? RunLabel.Of(x.run.RunId, null), CurveSet.Smooth(CurveSet.Downsample(points, CurveSet.MaxChartPoints), smoothing), x.color);
        })];

    /// <summary>Where a run's own step lies on the chosen axis.</summary>
    public static double X(ComparedRun run, long step, CompareAxis axis) => (axis, run.WarmStart) switch
    {
        (CompareAxis.Step, null) => step,
        (CompareAxis.Step, { } warm) => warm.OnLineageAxis(step),
        (_, null) => (double)step * run.TokensPerStep!.Value,
        (_, { } warm) => warm.TokensAt(step, run.TokensPerStep!.Value),
    };
}
