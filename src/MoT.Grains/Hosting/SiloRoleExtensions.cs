using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using MoT.Contracts;
using MoT.Contracts.Training;
using MoT.Grains.Configs;
using MoT.Grains.Placement;
using MoT.Grains.Runs;
using MoT.Grains.Sweeps;
using MoT.Grains.Scheduling;
using MoT.Grains.Slots;
using MoT.Grains.Training;
using Orleans.Runtime;

namespace MoT.Grains.Hosting;

/// <summary>What this silo is: its roles and the metadata it publishes.</summary>
public sealed class SiloProfile
{
    public SortedSet<string> Roles { get; } = new(StringComparer.Ordinal);

    /// <summary>Published as Orleans silo metadata (read when the host is built).</summary>
    public Dictionary<string, string> Metadata { get; } = [];
}

/// <summary>Silo configuration, one method per role; a silo may take both (<c>--role all</c>).</summary>
public static class SiloRoleExtensions
{
    /// <summary>Hosts sweeps, runs, the scheduler and leaderboards. Options: "Scheduler", "Runs".</summary>
    public static ISiloBuilder AddControlRole(this ISiloBuilder silo, IConfiguration configuration)
    {
        AddCommon(silo, SiloRoles.Control);
        silo.Services.AddOptions<SchedulerOptions>().Bind(configuration.GetSection(SchedulerOptions.Section));
        silo.Services.AddOptions<RunOptions>().Bind(configuration.GetSection(RunOptions.Section));
        silo.Services.TryAddSingleton<IRunRecordSink, NullRunRecordSink>();
        silo.Services.TryAddSingleton<ISweepRecordSink, NullSweepRecordSink>();
        silo.Services.TryAddSingleton<IRunConfigRules>(BasicRunConfigRules.Instance);
        // Reminders survive a restart only with a persistent table: hosts register one first (the platform's store);
        // without one (tests, throwaway clusters) they live in memory.
        silo.AddReminders();
        if (silo.Services.All(d => d.ServiceType != typeof(IReminderTable)))
        {
            silo.UseInMemoryReminderService();
        }

        return silo;
    }

    /// <summary>
    /// Offers one training slot per device of <paramref name="inventory"/> (default: "GpuSlots:CudaDevices" CUDA devices, or the detected ones, else "GpuSlots:CpuSlots" CPU slots),
    /// published as silo metadata and registered with the scheduler once the silo is active. Options: "GpuSlots".
    /// Needs an <see cref="ITrainingExecutor"/> registration (e.g. <see cref="AddSimulatedTraining"/>).
    /// </summary>
    /// <param name="detectCudaDevices">Counts this machine's CUDA devices (the trainer's detection); used when "GpuSlots:CudaDevices" is unset.</param>
    public static ISiloBuilder AddGpuRole(this ISiloBuilder silo, IConfiguration configuration, IDeviceInventory? inventory = null, Func<int>? detectCudaDevices = null)
    {
        var section = configuration.GetSection(GpuSlotOptions.Section);
        inventory ??= new ConfiguredDeviceInventory(section.Get<GpuSlotOptions>() ?? new GpuSlotOptions(), detectCudaDevices);
        var profile = AddCommon(silo, SiloRoles.Gpu);
        profile.Metadata[SiloMetadataKeys.Devices] = string.Join(",", inventory.GetDevices());

        var services = silo.Services;
        services.AddOptions<GpuSlotOptions>().Bind(section);
        services.AddSingleton(inventory);
        services.TryAddSingleton<IRunConsoleSink, NullRunConsoleSink>();
        services.AddSingleton<TrainingWorkerHost>();
        services.AddSingleton<SlotRegistrar>();
        services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(sp => sp.GetRequiredService<SlotRegistrar>());
        services.AddHostedService<TrainingDrainService>();
        return silo;
    }

    /// <summary>Trains with the <see cref="SimulatedTrainingExecutor"/> (tests, <c>--simulate</c>). Options: "SimulatedTraining".</summary>
    public static IServiceCollection AddSimulatedTraining(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<SimulatedTrainingOptions>().Bind(configuration.GetSection(SimulatedTrainingOptions.Section));
        services.AddSingleton<ITrainingExecutor, SimulatedTrainingExecutor>();
        return services;
    }

    private static SiloProfile AddCommon(ISiloBuilder silo, string role)
    {
        var services = silo.Services;
        var profile = services.FirstOrDefault(d => d.ServiceType == typeof(SiloProfile))?.ImplementationInstance as SiloProfile;
        if (profile is null)
        {
            profile = new SiloProfile();
            services.AddSingleton(profile);
            silo.UseRoleMetadata(profile.Metadata);
            silo.AddPlacementDirector<SlotSiloPlacement, SlotSiloPlacementDirector>();
            services.TryAddKeyedSingleton(ServiceKeys.Clock, TimeProvider.System);
            silo.AddMotMemoryStorage();
        }

        profile.Roles.Add(role);
        profile.Metadata[SiloMetadataKeys.Roles] = string.Join(",", profile.Roles);
        return profile;
    }
}
