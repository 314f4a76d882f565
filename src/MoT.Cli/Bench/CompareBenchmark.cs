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

    /// <summary>First eval step at which this run's loss is at or below <paramref name="target"/>.</summary>
    public int? FirstStepReaching(double target) => Curve.Where(p => p.EvalLoss <= target).Select(p => (int?)p.Step).FirstOrDefault();
}

/// <summary>
/// The paper's comparison at small scale: dense, MoT, Token Choice and Expert Choice models of one
/// size, trained on the same data for the same steps at (about) equal FLOPs per token; reports each
/// eval curve and the step at which each reaches the dense model's final eval loss.
/// </summary>
internal sealed class CompareBenchmark(string size, int steps, int evalInterval, DataConfig data, string device, int experts)
{
    public IReadOnlyList<string> Presets =>
    [
        $"Transformer-{size}", $"MoT-{size}/{experts}E", $"TokenChoice-{size}/{experts}E", $"ExpertChoice-{size}/{experts}E",
    ];

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
                Data = data,
                BatchSize = Math.Max(preset.DefaultBatchSize, experts),
                Steps = steps,
                LearningRate = 2e-3,
                EvalInterval = evalInterval,
                EvalBatches = 8,
                CheckpointInterval = steps,
                LogInterval = Math.Max(1, steps / 10),
                Device = device,
            };
            var trainingData = TrainingData.Open(config);
            config = trainingData.Fit(config);
            var curve = new List<(int, double)>();
            var observer = new CurveObserver(curve, progress, preset.Name);
            using var trainer = Trainer.Create(config, trainingData.Train, trainingData.Eval, Path.Combine(outputDirectory, preset.Name.Replace('/', '_')));
            var clock = System.Diagnostics.Stopwatch.StartNew();
            trainer.Run(observer, cancel);
            runs.Add(new ComparedRun(preset.Name, ModelCost.Parameters(config.Model), ModelCost.TrainingFlopsPerToken(config.Model) / 1e9,
                clock.Elapsed.TotalSeconds / steps, curve));
        }
        return runs;
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
        public void OnEval(EvalReport report)
        {
            curve.Add((report.Step, report.EvalLoss));
            progress(string.Create(CultureInfo.InvariantCulture, $"{name}: step {report.Step} eval loss {report.EvalLoss:F4}"));
        }
    }
}
