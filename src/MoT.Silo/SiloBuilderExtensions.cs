using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using MoT.Contracts;
using MoT.Data;
using MoT.Grains.Configs;
using MoT.Grains.Hosting;
using MoT.Grains.Runs;
using MoT.Grains.Sweeps;
using MoT.Silo.Persistence;
using MoT.Silo.Sweeps;
using MoT.Silo.Training;
using MoT.Training.Configuration;
using MoT.Training.Training;
using Orleans.Configuration;
using Orleans.Serialization;
using Orleans.Storage;

namespace MoT.Silo;

/// <summary>Turns <see cref="SiloHostOptions"/> and <see cref="ClusteringOptions"/> into a configured silo.</summary>
public static class SiloBuilderExtensions
{
    public static ISiloBuilder AddMotSilo(this ISiloBuilder silo, IConfiguration configuration, SiloHostOptions host, ClusteringOptions clustering)
    {
        silo.Configure<SiloOptions>(o => o.SiloName = host.Name ?? $"{Environment.MachineName}-{host.SiloPort}");
        silo.UseMotClustering(host, clustering);
        silo.UseDeploymentHosting(configuration, clustering);
        silo.UseMotTls(configuration);

        // One store for grain state, run history, metrics and leaderboard queries (SQLite by default,
        // PostgreSQL for teams), so a restarted control silo continues where it stopped.
        silo.Services.AddMotData(configuration);
        silo.Services.AddKeyedSingleton<IGrainStorage>(StorageNames.Main, (sp, _) =>
            new EfGrainStorage(sp.GetRequiredService<IDbContextFactory<MotDbContext>>(), sp.GetRequiredService<Serializer>()));
        if (host.HasControl)
        {
            silo.Services.AddSingleton<IRunRecordSink, EfRunRecordSink>();
            silo.Services.AddSingleton<ISweepRecordSink, EfSweepRecordSink>();
            // Nothing invalid is queued: the grains check every run config and sweep against the run-config schema.
            silo.Services.AddRunConfigSchema(configuration);
            silo.Services.AddSingleton<IRunConfigRules>(sp => new SchemaRunConfigRules(sp.GetRequiredService<RunConfigSchema>()));
            silo.Services.AddSingleton<IReminderTable, EfReminderTable>(); // before AddControlRole, which otherwise keeps reminders in memory
            silo.AddControlRole(configuration);
        }

        if (host.HasGpu)
        {
            if (host.Simulate)
            {
                silo.Services.AddSimulatedTraining(configuration);
            }
            else
            {
                silo.Services.AddTorchTraining();
            }

            silo.Services.RecordTrainingMetrics();
            // Each attempt's console (start, progress, evals, outcome) goes to the store in batches, per run.
            silo.Services.AddSingleton<MoT.Grains.Slots.IRunConsoleSink, StoreRunConsoleSink>();

            // Simulated slots never touch libtorch; real ones offer every CUDA device the trainer can see.
            silo.AddGpuRole(configuration, detectCudaDevices: host.Simulate ? null : TrainingDevice.CudaDeviceCount);
        }

        return silo;
    }
}
