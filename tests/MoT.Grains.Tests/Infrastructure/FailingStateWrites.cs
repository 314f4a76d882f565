using Microsoft.Extensions.DependencyInjection;
using MoT.Contracts;
using MoT.Grains.Hosting;
using Orleans.Runtime;
using Orleans.Serialization;
using Orleans.Storage;

namespace MoT.Grains.Tests.Infrastructure;

/// <summary>
/// A switch that makes the writes of one grain state fail (the store unreachable for it), and counts the reads and the
/// failed writes of that state: a test can tell a new activation (it reads) and a write that did not happen.
/// </summary>
public sealed class FailingStateWrites(string stateName)
{
    private int _reads;
    private int _failedWrites;

    public string StateName { get; } = stateName;

    public volatile bool Failing;

    public int Reads => Volatile.Read(ref _reads);

    public int FailedWrites => Volatile.Read(ref _failedWrites);

    internal void Read() => Interlocked.Increment(ref _reads);

    internal void FailedWrite() => Interlocked.Increment(ref _failedWrites);

    /// <summary>Wraps the shared in-memory store of <paramref name="store"/> for <paramref name="silo"/>.</summary>
    public void Register(ISiloBuilder silo, InMemoryStateStore store) =>
        silo.Services.AddKeyedSingleton<IGrainStorage>(StorageNames.Main, (sp, _) =>
            new Storage(new InMemoryGrainStorage(store, sp.GetRequiredService<Serializer>()), this));

    private sealed class Storage(IGrainStorage inner, FailingStateWrites faults) : IGrainStorage
    {
        public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
        {
            if (stateName == faults.StateName) faults.Read();
            return inner.ReadStateAsync(stateName, grainId, grainState);
        }

        public Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
        {
            if (stateName == faults.StateName && faults.Failing)
            {
                faults.FailedWrite();
                throw new IOException($"test: the store is not taking writes of {stateName}");
            }

            return inner.WriteStateAsync(stateName, grainId, grainState);
        }

        public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
            inner.ClearStateAsync(stateName, grainId, grainState);
    }
}
