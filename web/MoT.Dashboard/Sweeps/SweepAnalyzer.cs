using MoT.Contracts.Sweeps;
using MoT.Dashboard.Runs;
using MoT.Silo.Training;

namespace MoT.Dashboard.Sweeps;

/// <summary>Builds a sweep's <see cref="SweepAnalysis"/> on the server from its trials and their recorded eval curves (one per circuit).</summary>
public sealed class SweepAnalyzer(IRunHistory history)
{
    /// <summary>Points per trial curve sent to the intermediate-values chart.</summary>
    public const int CurvePoints = 300;

    public async Task<SweepAnalysis> AnalyseAsync(SweepSnapshot sweep, CancellationToken cancellationToken = default)
    {
        var curves = new Dictionary<Guid, IReadOnlyList<(double X, double Y)>>();
        foreach (var trial in sweep.Trials)
        {
            var eval = (await history.GetMetricsAsync(trial.RunId, CurvePoints, cancellationToken: cancellationToken)).FirstOrDefault(s => s.Name == MetricNames.EvalLoss);
            curves[trial.RunId] = eval is null ? [] : [.. eval.Points.Select(p => ((double)p.Step, p.Value))];
        }

        // A running sweep is re-read every few seconds; refit only when a trial completed since the last fit.
        var key = $"{sweep.SweepId}|{SweepAnalysis.FitKey(sweep.Trials)}";
        if (_last is { } last && last.Key == key) return last.Analysis.WithCurves(sweep.Trials, curves);

        // The forest and its partial dependences are CPU work: keep them off the circuit's synchronisation context.
        var analysis = await Task.Run(() => new SweepAnalysis(sweep.Spec?.SearchSpace ?? [], sweep.Trials, curves), cancellationToken);
        _last = (key, analysis);
        return analysis;
    }

    private (string Key, SweepAnalysis Analysis)? _last;
}
