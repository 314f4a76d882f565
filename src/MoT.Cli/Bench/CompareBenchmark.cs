using System.Globalization;
using System.Text;
using MoT.Training.Models;
using MoT.Training.Training;

namespace MoT.Cli.Bench;

/// <summary>One model's eval-loss curve in a comparison.</summary>
public sealed record ComparedRun(string Preset, long Parameters, double TrainGflopsPerToken, double SecondsPerStep,
    IReadOnlyList<(int Step, double EvalLoss)> Curve)
{
    public double FinalEvalLoss => Curve[^1].EvalLoss;

    /// <summary>The step at which this run's eval curve first comes down to <paramref name="target"/>, linearly
    /// interpolated between the two eval points around the crossing; null when it never does.</summary>
    public double? StepReaching(double target)
    {
        for (var i = 0; i < Curve.Count; i++)
        {
            if (Curve[i].EvalLoss > target) continue;
            if (i == 0) return Curve[0].Step;
            var (before, after) = (Curve[i - 1], Curve[i]);
            var fraction = (before.EvalLoss - target) / (before.EvalLoss - after.EvalLoss);
            return before.Step + fraction * (after.Step - before.Step);
        }
        return null;
    }
}

/// <summary>Settings of one comparison: which families, at which size, trained how long and how.</summary>
/// <param name="Families">Any of Transformer, MoT, TokenChoice, ExpertChoice; the first is the reference.</param>
public sealed record CompareSettings(string Size, int Experts, IReadOnlyList<string> Families, int Steps, int EvalInterval,
    int EvalBatches, int? BatchSize, double LearningRate, DataConfig Data, string Device);

/// <summary>
/// The paper's comparison at small scale: dense, MoT, Token Choice and Expert Choice models of one
/// size, trained on the same data for the same steps at (about) equal FLOPs per token; reports each
/// held-out eval curve and the (interpolated) step at which each reaches the reference model's final eval loss.
/// </summary>
internal sealed class CompareBenchmark(CompareSettings settings)
{
    public static readonly IReadOnlyList<string> AllFamilies = ["Transformer", "MoT", "TokenChoice", "ExpertChoice"];

    public IReadOnlyList<string> Presets => settings.Families
        .Select(f => ModelPresets.NameOf(f, settings.Size, f == "Transformer" ? null : settings.Experts)).ToList();

    /// <summary>The batch every model trains with: the preset's, at least the group size.</summary>
    public int BatchSizeFor(ModelPreset preset) => settings.BatchSize ?? Math.Max(preset.DefaultBatchSize, settings.Experts);

    public IReadOnlyList<ComparedRun> Run(string outputDirectory, Action<string> progress, CancellationToken cancel)
    {
        var runs = new List<ComparedRun>();
        foreach (var name in Presets)
        {
            cancel.ThrowIfCancellationRequested();
            var preset = ModelPresets.Get(name);
            var config = new TrainingConfig
            {
                Model = preset.Config,
                Preset = preset.Name,
                Data = settings.Data,
                BatchSize = BatchSizeFor(preset),
                Steps = settings.Steps,
                LearningRate = settings.LearningRate,
                EvalInterval = settings.EvalInterval,
                EvalBatches = settings.EvalBatches,
                CheckpointInterval = settings.Steps,
                LogInterval = Math.Max(1, settings.Steps / 10),
                Device = settings.Device,
            };
            var trainingData = TrainingData.Open(config);
            config = trainingData.Fit(config);
            var curve = new List<(int, double)>();
            var observer = new CurveObserver(curve, progress, preset.Name);
            using var trainer = Trainer.Create(config, trainingData.Train, trainingData.Eval, Path.Combine(outputDirectory, preset.Name.Replace('/', '_')));
            var clock = System.Diagnostics.Stopwatch.StartNew();
            trainer.Run(observer, cancel);
            runs.Add(new ComparedRun(preset.Name, ModelCost.Parameters(config.Model), ModelCost.TrainingFlopsPerToken(config.Model) / 1e9,
                clock.Elapsed.TotalSeconds / settings.Steps, curve));
        }
        return runs;
    }

    /// <summary>The printed table: one row per model, the first model's final eval loss as the target.</summary>
    public static string Table(IReadOnlyList<ComparedRun> runs)
    {
        var reference = runs[0];
        var target = reference.FinalEvalLoss;
        var text = new StringBuilder();
        text.AppendLine(string.Create(CultureInfo.InvariantCulture,
            $"{"model",-24} {"params",8} {"GFLOP/token",11} {"s/step",7} {"final eval",10} {"step reaching " + target.ToString("F4", CultureInfo.InvariantCulture),22} {"of steps",8}"));
        foreach (var run in runs)
        {
            var reached = run.StepReaching(target);
            var share = reached is { } r ? (r / reference.Curve[^1].Step).ToString("P0", CultureInfo.InvariantCulture) : "-";
            text.AppendLine(string.Create(CultureInfo.InvariantCulture,
                $"{run.Preset,-24} {run.Parameters / 1e6,7:F3}M {run.TrainGflopsPerToken,11:F5} {run.SecondsPerStep,7:F3} {run.FinalEvalLoss,10:F4} {(reached is { } s ? s.ToString("F0", CultureInfo.InvariantCulture) : "never"),22} {share,8}"));
        }
        return text.ToString();
    }

    public static string Csv(IReadOnlyList<ComparedRun> runs)
    {
        var csv = new StringBuilder("step," + string.Join(",", runs.Select(r => r.Preset)) + "\n");
        foreach (var step in runs[0].Curve.Select(p => p.Step))
            csv.AppendLine(string.Create(CultureInfo.InvariantCulture,
                $"{step},{string.Join(",", runs.Select(r => r.Curve.FirstOrDefault(p => p.Step == step).EvalLoss.ToString("F4", CultureInfo.InvariantCulture)))}"));
        return csv.ToString();
    }

    public static void Plot(IReadOnlyList<ComparedRun> runs, string path, string title)
    {
        var plot = new ScottPlot.Plot();
        foreach (var run in runs)
        {
            var line = plot.Add.Scatter(run.Curve.Select(p => (double)p.Step).ToArray(), run.Curve.Select(p => p.EvalLoss).ToArray());
            line.LegendText = run.Preset;
        }
        plot.Title(title);
        plot.XLabel("step");
        plot.YLabel("eval loss");
        plot.ShowLegend(ScottPlot.Alignment.UpperRight);
        plot.SavePng(path, 900, 550);
    }

    private sealed class CurveObserver(List<(int, double)> curve, Action<string> progress, string name) : ITrainingObserver
    {
        public void OnStep(StepReport report) =>
            progress(string.Create(CultureInfo.InvariantCulture,
                $"{name}: step {report.Step}/{report.TotalSteps} train loss {report.TrainLoss:F4} ({report.Elapsed.TotalSeconds:F0} s)"));

        public void OnEval(EvalReport report)
        {
            curve.Add((report.Step, report.EvalLoss));
            progress(string.Create(CultureInfo.InvariantCulture, $"{name}: step {report.Step} eval loss {report.EvalLoss:F4}"));
        }
    }
}
