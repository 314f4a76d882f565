using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using MoT.Grains.Hosting;
using MoT.Grains.Training;
using Orleans.TestingHost;

namespace MoT.Grains.Tests.Infrastructure;

/// <summary>
/// An in-process cluster: silo "Silo_0" (the first) takes the control role, every other silo the gpu role with CPU slots and the
/// simulated executor. All silos share one in-memory state store (like a database would be shared) and one fake
/// platform clock (heartbeats, leases, throttling); Orleans itself keeps the real clock.
/// </summary>
public abstract class MotClusterFixture : IAsyncLifetime
{
    private readonly string _outputRoot = Path.Combine(Path.GetTempPath(), "mot-grains-tests", Guid.NewGuid().ToString("N"));

    public InProcessTestCluster Cluster { get; private set; } = null!;

    public IClusterClient Client => Cluster.Client;

    public FakeTimeProvider Clock { get; } = new(new DateTimeOffset(2026, 11, 23, 0, 0, 0, TimeSpan.Zero));

    public InMemoryStateStore Store { get; } = new();

    protected virtual short InitialSilos => 3;

    protected virtual int CpuSlotsPerGpuSilo => 2;

    protected virtual int MaxRestarts => 2;

    protected virtual TimeSpan AttemptCheckInterval => TimeSpan.FromSeconds(30);

    /// <summary>Simulated step delay for a gpu silo, by silo name.</summary>
    protected virtual TimeSpan StepDelay(string siloName) => TimeSpan.FromMilliseconds(1);

    public async ValueTask InitializeAsync()
    {
        var builder = new InProcessTestClusterBuilder(InitialSilos);
        builder.ConfigureSilo((options, silo) =>
        {
            var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["GpuSlots:CpuSlots"] = CpuSlotsPerGpuSilo.ToString(),
                ["GpuSlots:OutputRoot"] = Path.Combine(_outputRoot, options.SiloName),
                ["GpuSlots:ProgressInterval"] = "00:00:01",
                ["GpuSlots:HeartbeatInterval"] = "00:00:05",
                ["Scheduler:HeartbeatLease"] = "00:00:30",
                ["Scheduler:CheckInterval"] = "00:00:02",
                ["Runs:MaxRestarts"] = MaxRestarts.ToString(),
                ["Runs:AttemptCheckInterval"] = AttemptCheckInterval.ToString(),
                ["Runs:AttemptCheckFailures"] = "2",
                ["SimulatedTraining:StepDelay"] = StepDelay(options.SiloName).ToString(),
            }).Build();

            silo.Services.AddKeyedSingleton<TimeProvider>(ServiceKeys.Clock, Clock);
            AddStorage(silo);
            if (IsControlSilo(options.SiloName))
            {
                silo.AddControlRole(configuration);
            }
            else
            {
                silo.Services.AddSimulatedTraining(configuration);
                silo.AddGpuRole(configuration);
            }
        });
        Cluster = builder.Build();
        await Cluster.DeployAsync();
    }

    /// <summary>The grain storage of every silo: the shared in-memory store unless a fixture wraps it.</summary>
    protected virtual void AddStorage(ISiloBuilder silo) => silo.AddMotMemoryStorage(Store);

    public static bool IsControlSilo(string siloName) => siloName == "Silo_0";

    public async ValueTask DisposeAsync()
    {
        await Cluster.DisposeAsync();
        try
        {
            Directory.Delete(_outputRoot, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }

        GC.SuppressFinalize(this);
    }
}
