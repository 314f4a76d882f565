using MoT.Cli.Output;
using MoT.Training.Checkpoints;
using MoT.Training.Training;
using Spectre.Console;

namespace MoT.Cli.Commands;

/// <summary>Runs one trainer to the end under the console reporter; Ctrl+C checkpoints and stops.</summary>
internal static class TrainingSession
{
    public static int Run(Trainer trainer, string outputDirectory, string title, CancellationToken cancel)
    {
        if (trainer.IsComplete)
        {
            // Resuming a run's final checkpoint is a no-op, not an error: scripts that "resume until done" stay simple.
            Console.WriteLine($"nothing to train: {trainer.LastCheckpoint} is already at step {trainer.Step} of {trainer.Config.Steps}; " +
                              $"pass --more N for N more steps (or --steps N with N > {trainer.Step}) to train further");
            return 0;
        }
        Directory.CreateDirectory(outputDirectory);
        File.WriteAllText(Path.Combine(outputDirectory, "config.json"), TrainingConfigDocument.Write(trainer.Config, indented: true));
        Console.WriteLine($"{title}: {trainer.Config.Steps} steps, batch {trainer.Config.BatchSize}x{trainer.Config.Model.ContextLength}, " +
                          $"{CheckpointFile.Describe(trainer.Config.Model)}, output {Path.GetFullPath(outputDirectory)}");

        if (trainer.Step == 0)
            Console.WriteLine($"step      0 eval loss {trainer.Evaluate():F4} (before training)");
        using var console = new TrainingConsole(outputDirectory);
        var result = console.Run(title, trainer.Config.Steps, trainer.Step, () => trainer.Run(console, cancel));

        var eval = result.FinalEvalLoss is { } loss ? $", final eval loss {loss:F4}" : "";
        var checkpoint = result.LastCheckpoint ?? "none";
        switch (result.Status)
        {
            case TrainingStatus.Completed:
                Outcome("green", "completed", $" {result.StepsCompleted} steps{eval}; checkpoint {checkpoint}");
                return 0;
            case TrainingStatus.Cancelled or TrainingStatus.Paused:
                Outcome("yellow", "stopped", $" at step {result.StepsCompleted}; continue with: mot resume {checkpoint}");
                return 130;
            default:
                Outcome("red", "diverged", $": non-finite loss at step {result.DivergedAtStep}; last good checkpoint {checkpoint} (lower --lr or raise --warmup)");
                return 3;
        }
    }

    /// <summary>The closing line: only the verdict goes through Spectre (for colour); the rest is written as is, because
    /// Spectre wraps at the console width (80 when output is redirected) and would push a long checkpoint path onto a
    /// line of its own, leaving "checkpoint " looking empty.</summary>
    private static void Outcome(string colour, string verdict, string rest)
    {
        AnsiConsole.Markup($"[{colour}]{verdict}[/]");
        Console.WriteLine(rest);
    }

    /// <summary>The run folder a checkpoint belongs to (<c>RUN/checkpoints/step-N.ckpt</c> -> <c>RUN</c>).</summary>
    public static string RunDirectoryOf(string checkpoint)
    {
        var folder = Path.GetDirectoryName(Path.GetFullPath(checkpoint))!;
        return Path.GetFileName(folder) == "checkpoints" ? Path.GetDirectoryName(folder)! : folder;
    }

    public static string DefaultOutput(string name) =>
        Path.Combine("runs", $"{name.Replace('/', '_').ToLowerInvariant()}-{DateTime.UtcNow:yyyyMMdd-HHmmss}");
}
