using Microsoft.Extensions.DependencyInjection;
using MoT.Contracts.Training;

namespace MoT.Silo.Training;

public static class TorchTrainingRegistration
{
    /// <summary>Trains runs with TorchSharp (<see cref="TorchTrainingExecutor"/>): CUDA when present, else CPU.</summary>
    public static IServiceCollection AddTorchTraining(this IServiceCollection services) =>
        services.AddSingleton<ITrainingExecutor, TorchTrainingExecutor>();
}
