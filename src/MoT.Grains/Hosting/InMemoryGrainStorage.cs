using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using MoT.Contracts;
using Orleans.Runtime;
using Orleans.Serialization;
using Orleans.Storage;

namespace MoT.Grains.Hosting;

/// <summary>
/// Grain state kept in this process's memory, shared by every silo of the process (so state survives the death of
/// the silo that wrote it, as a database would). The default until a database-backed provider is registered.
/// </summary>
public sealed class InMemoryStateStore
{
    internal ConcurrentDictionary<string, (byte[] Data, string ETag)> Entries { get; } = new(StringComparer.Ordinal);
}

/// <summary><see cref="IGrainStorage"/> over an <see cref="InMemoryStateStore"/>, with ETag checks like a real store.</summary>
public sealed class InMemoryGrainStorage(InMemoryStateStore store, Serializer serializer) : IGrainStorage
{
    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        if (store.Entries.TryGetValue(Key(stateName, grainId), out var entry))
        {
            grainState.State = serializer.Deserialize<T>(entry.Data);
            grainState.ETag = entry.ETag;
            grainState.RecordExists = true;
        }

        return Task.CompletedTask;
    }

    public Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        var key = Key(stateName, grainId);
        var data = serializer.SerializeToArray(grainState.State);
        var etag = Guid.NewGuid().ToString("N");
        store.Entries.AddOrUpdate(
            key,
            _ => grainState.ETag is null ? (data, etag) : throw Conflict(key, grainState.ETag, null),
            (_, existing) => existing.ETag == grainState.ETag ? (data, etag) : throw Conflict(key, grainState.ETag, existing.ETag));
        grainState.ETag = etag;
        grainState.RecordExists = true;
        return Task.CompletedTask;
    }

    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        store.Entries.TryRemove(Key(stateName, grainId), out _);
        grainState.ETag = null;
        grainState.RecordExists = false;
        return Task.CompletedTask;
    }

    private static string Key(string stateName, GrainId grainId) => $"{stateName}/{grainId}";

    private static InconsistentStateException Conflict(string key, string? expected, string? actual) =>
        new($"State {key} was written by someone else (expected ETag {expected ?? "none"}, found {actual ?? "none"}).", actual ?? string.Empty, expected ?? string.Empty);
}

/// <summary>The storage seam: what <see cref="StorageNames.Main"/> is backed by.</summary>
public static class MotStorageRegistration
{
    /// <summary>
    /// Backs <see cref="StorageNames.Main"/> with process memory unless a provider is already registered under that name.
    /// A database-backed provider registers itself with <c>services.AddKeyedSingleton&lt;IGrainStorage&gt;(StorageNames.Main, ...)</c>
    /// (before or after the roles: the last registration wins).
    /// </summary>
    public static ISiloBuilder AddMotMemoryStorage(this ISiloBuilder silo, InMemoryStateStore? store = null)
    {
        if (silo.Services.Any(d => d.ServiceType == typeof(IGrainStorage) && Equals(d.ServiceKey, StorageNames.Main)))
        {
            return silo;
        }

        store ??= new InMemoryStateStore();
        silo.Services.AddKeyedSingleton<IGrainStorage>(StorageNames.Main, (sp, _) => new InMemoryGrainStorage(store, sp.GetRequiredService<Serializer>()));
        return silo;
    }
}
