using System.Collections.Concurrent;
using System.Diagnostics;
using Orleans.Runtime;
using Orleans.Storage;

namespace MoT.Cli.Bench;

/// <summary>
/// Grain storage that counts the writes (and the time they take) per state name before handing them to the real
/// storage: how often the scheduler rewrites its state is measured outside the scheduler, not reported by it.
/// </summary>
internal sealed class CountingGrainStorage(IGrainStorage inner, StorageWriteCounts counts) : IGrainStorage
{
    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        inner.ReadStateAsync(stateName, grainId, grainState);

    public async Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        var start = Stopwatch.GetTimestamp();
        await inner.WriteStateAsync(stateName, grainId, grainState);
        counts.Add(stateName, Stopwatch.GetTimestamp() - start);
    }

    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        inner.ClearStateAsync(stateName, grainId, grainState);
}

/// <summary>The writes <see cref="CountingGrainStorage"/> saw, shared by every silo of the benchmark cluster.</summary>
internal sealed class StorageWriteCounts
{
    private readonly ConcurrentDictionary<string, (long Writes, long Ticks)> _writes = new(StringComparer.Ordinal);
    private volatile bool _recording;

    public void Start()
    {
        _writes.Clear();
        _recording = true;
    }

    public void Stop() => _recording = false;

    public void Add(string stateName, long ticks)
    {
        if (_recording) _writes.AddOrUpdate(stateName, _ => (1, ticks), (_, w) => (w.Writes + 1, w.Ticks + ticks));
    }

    /// <summary>Writes of one state name while recording, and their total time (Stopwatch ticks).</summary>
    public (long Writes, long Ticks) Of(string stateName) => _writes.GetValueOrDefault(stateName);
}
