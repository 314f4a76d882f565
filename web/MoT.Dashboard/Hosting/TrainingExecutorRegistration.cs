using Microsoft.Extensions.Configuration;
using MoT.Silo;

namespace MoT.Dashboard.Hosting;

/// <summary>Which trainer the co-hosted worker uses (configuration <c>Training:Executor</c>).</summary>
public enum TrainingExecutorKind
{
    /// <summary>The silo's simulated trainer (its <c>--simulate</c> path): deterministic curves, tiny checkpoints.</summary>
    Simulated,
    /// <summary>The TorchSharp trainer (MoT.Training).</summary>
    Torch,
}

/// <summary>
/// The ONE place the all-in-one host picks its training executor: <c>Training:Executor=torch</c> (the default:
/// real TorchSharp training) or <c>simulated</c> (fast deterministic curves for tests and demos).
/// </summary>
public static class TrainingExecutorRegistration
{
    public const string ConfigurationKey = "Training:Executor";

    /// <summary>Parses <c>Training:Executor</c> (torch | simulated; default torch).</summary>
    public static TrainingExecutorKind Read(IConfiguration configuration) => configuration[ConfigurationKey]?.Trim().ToLowerInvariant() switch
    {
        "simulated" or "simulate" => TrainingExecutorKind.Simulated,
        null or "" or "torch" or "torchsharp" => TrainingExecutorKind.Torch,
        var other => throw new InvalidOperationException($"{ConfigurationKey} '{other}' is not one of simulated, torch."),
    };

    /// <summary>Sets up <paramref name="host"/> (consumed by <see cref="SiloBuilderExtensions.AddMotSilo"/>) for the configured executor.</summary>
    public static TrainingExecutorKind Apply(SiloHostOptions host, IConfiguration configuration)
    {
        var kind = Read(configuration);
        switch (kind)
        {
            case TrainingExecutorKind.Simulated:
                host.Simulate = true; // AddMotSilo registers the SimulatedTrainingExecutor ("SimulatedTraining" options)
                break;
            case TrainingExecutorKind.Torch:
                host.Simulate = false; // AddMotSilo registers the TorchSharp executor (CUDA when present, else CPU)
                break;
        }

        return kind;
    }
}
