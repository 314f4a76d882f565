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
/// The ONE place the all-in-one host picks its training executor. Until the TorchSharp executor is registered by the
/// silo host, only <see cref="TrainingExecutorKind.Simulated"/> starts; switching is a configuration change
/// (<c>Training:Executor=torch</c>) plus the registration in <see cref="Apply"/>.
/// </summary>
public static class TrainingExecutorRegistration
{
    public const string ConfigurationKey = "Training:Executor";

    /// <summary>Parses <c>Training:Executor</c> (simulated | torch; default simulated).</summary>
    public static TrainingExecutorKind Read(IConfiguration configuration) => configuration[ConfigurationKey]?.Trim().ToLowerInvariant() switch
    {
        null or "" or "simulated" or "simulate" => TrainingExecutorKind.Simulated,
        "torch" or "torchsharp" => TrainingExecutorKind.Torch,
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
                // Integration point: register the TorchSharp ITrainingExecutor here (or let AddMotSilo do it when
                // host.Simulate is false) once it lands in the silo host.
                throw new InvalidOperationException(
                    $"{ConfigurationKey}=torch: the TorchSharp executor is not registered by the silo host yet; use 'simulated'.");
        }

        return kind;
    }
}
