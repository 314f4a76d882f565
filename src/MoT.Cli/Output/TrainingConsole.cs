using System.Globalization;
using MoT.Training.Training;
using Spectre.Console;

namespace MoT.Cli.Output;

/// <summary>Shows training progress: a live progress bar with loss, tokens/s and ETA on a terminal,
/// one line per log step when output is redirected (CI logs, files). Also appends metrics.csv.</summary>
internal sealed class TrainingConsole : ITrainingObserver, IDisposable
{
    private readonly StreamWriter _metrics;
    private ProgressTask? _task;
    private double? _lastEval;

    public TrainingConsole(string outputDirectory)
    {
        Directory.CreateDirectory(outputDirectory);
        var path = Path.Combine(outputDirectory, "metrics.csv");
        var isNew = !File.Exists(path);
        _metrics = new StreamWriter(path, append: true) { AutoFlush = true };
        if (isNew) _metrics.WriteLine("step,name,value");
    }

    public static bool Interactive => AnsiConsole.Profile.Capabilities.Interactive && !Console.IsOutputRedirected;

    /// <summary>Runs <paramref name="train"/> under a progress bar (or plainly when not interactive).</summary>
    public TrainingResult Run(string title, int totalSteps, int startStep, Func<TrainingResult> train)
    {
        if (!Interactive) return train();
        TrainingResult? result = null;
        AnsiConsole.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
            .Start(context =>
            {
                _task = context.AddTask(Markup.Escape(title), maxValue: totalSteps);
                _task.Value = startStep;
                result = train();
            });
        return result!;
    }

    public void OnStep(StepReport r)
    {
        Record(r.Step, "train_loss", r.TrainLoss);
        Record(r.Step, "learning_rate", r.LearningRate);
        Record(r.Step, "tokens_per_second", r.TokensPerSecond);
        if (r.DeviceMemoryBytes is { } memory) Record(r.Step, "gpu_memory_gib", memory / (double)(1L << 30));
        foreach (var layer in r.Diagnostics)
        {
            Record(r.Step, $"block{layer.Block}.routing_entropy", layer.Entropy);
            Record(r.Step, $"block{layer.Block}.dropped_fraction", layer.DroppedFraction);
        }
        var eta = r.EstimatedRemaining is { } remaining ? $"{remaining:hh\\:mm\\:ss}" : "?";
        var eval = _lastEval is { } e ? $" eval {e:F4}" : "";
        var mfu = (r.ModelFlopsUtilization is { } u ? $" mfu {u:P1}" : "")
                  + (r.DeviceMemoryBytes is { } m ? string.Create(CultureInfo.InvariantCulture, $" gpu {m / (double)(1L << 30):F1} GiB") : "");
        if (_task is not null)
        {
            _task.Value = r.Step;
            _task.Description = Markup.Escape($"step {r.Step}/{r.TotalSteps} loss {r.TrainLoss:F4}{eval} {r.TokensPerSecond:N0} tok/s{mfu}");
        }
        else
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"step {r.Step,6}/{r.TotalSteps} loss {r.TrainLoss:F4}{eval} lr {r.LearningRate:G3} {r.TokensPerSecond:N0} tok/s{mfu} eta {eta}"));
        }
    }

    public void OnEval(EvalReport r)
    {
        _lastEval = r.EvalLoss;
        Record(r.Step, "eval_loss", r.EvalLoss);
        if (_task is null) Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"step {r.Step,6} eval loss {r.EvalLoss:F4}"));
    }

    public void OnCheckpoint(CheckpointReport r)
    {
        if (_task is null) Console.WriteLine($"step {r.Step,6} checkpoint {r.Path} ({r.Bytes / 1024.0 / 1024.0:F1} MiB)");
    }

    public void Dispose() => _metrics.Dispose();

    private void Record(int step, string name, double value) =>
        _metrics.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{step},{name},{value:R}"));
}
