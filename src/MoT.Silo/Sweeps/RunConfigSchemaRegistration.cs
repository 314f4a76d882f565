using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using MoT.Training.Configuration;

namespace MoT.Silo.Sweeps;

/// <summary>The one run-config schema of a process, built from its <c>InputLimits</c> section.</summary>
public static class RunConfigSchemaRegistration
{
    /// <summary>
    /// Registers <see cref="InputLimits"/> and <see cref="RunConfigSchema"/> once: the dashboard's forms and a co-hosted
    /// silo's grains share one service collection, so whichever registers first serves both.
    /// </summary>
    public static IServiceCollection AddRunConfigSchema(this IServiceCollection services, IConfiguration configuration)
    {
        services.TryAddSingleton(configuration.GetSection(InputLimits.Section).Get<InputLimits>() ?? new InputLimits());
        services.TryAddSingleton(sp => new RunConfigSchema(sp.GetRequiredService<InputLimits>()));
        return services;
    }
}
