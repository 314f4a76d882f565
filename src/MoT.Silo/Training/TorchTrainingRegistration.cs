using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using MoT.Contracts.Training;
using MoT.Data.Ingest;

namespace MoT.Silo.Training;

public static class TorchTrainingRegistration
{
    /// <summary>Trains runs with TorchSharp (<see cref="TorchTrainingExecutor"/>): CUDA when present, else CPU.</summary>
    public static IServiceCollection AddTorchTraining(this IServiceCollection services) =>
        services.AddSingleton<ITrainingExecutor, TorchTrainingExecutor>();

    /// <summary>Wraps whichever executor is registered so its progress lands in the metric store.</summary>
    public static IServiceCollection RecordTrainingMetrics(this IServiceCollection services)
    {
        var registered = services.LastOrDefault(d => d.ServiceType == typeof(ITrainingExecutor))
            ?? throw new InvalidOperationException("register an ITrainingExecutor before RecordTrainingMetrics");
        services.Remove(registered);
        var innerType = registered.ImplementationType
            ?? throw new InvalidOperationException("RecordTrainingMetrics needs an executor registered by type");
        services.AddSingleton(innerType);
        return services.AddSingleton<ITrainingExecutor>(sp => new MetricRecordingExecutor(
            (ITrainingExecutor)sp.GetRequiredService(innerType), sp.GetRequiredService<IMetricSink>(),
            sp.GetRequiredService<ILogger<MetricRecordingExecutor>>()));
    }
}
