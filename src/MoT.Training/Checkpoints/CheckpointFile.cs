using TorchSharp;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using MoT.Training.Models;
using MoT.Training.Training;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MoT.Training.Checkpoints;

/// <summary>
/// One checkpoint = one file plus a sha256 manifest beside it (<c>step-000100.ckpt</c>,
/// <c>step-000100.ckpt.manifest.json</c>). File layout: model section, optimizer section (optional),
/// state JSON, then a 24-byte footer (state offset, state length, magic). Both files are written to
/// temporaries and renamed into place, so a crash never leaves a half-written checkpoint that looks valid.
/// </summary>
public static class CheckpointFile
{
    private const ulong Magic = 0x3154504B43544F4D; // "MOTCKPT1"
    public const string Extension = ".ckpt";
    private const string ManifestSuffix = ".manifest.json";

    public static string ManifestPath(string checkpointPath) => checkpointPath + ManifestSuffix;

    public static string NameFor(int step) => $"step-{step:D7}{Extension}";

    /// <summary>Writes model (+ optimizer) and state atomically; returns what was written.</summary>
    public static CheckpointReport Write(string path, CheckpointState state, TransformerLM model, OptimizerHelper? optimizer)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var temporary = $"{path}.{Guid.NewGuid():N}.tmp";
        try
        {
            using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20))
            using (var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true))
            {
                var modelOffset = stream.Position;
                model.save(writer);
                writer.Flush();
                var optimizerOffset = stream.Position;
                optimizer?.save_state_dict(writer);
                writer.Flush();
                var sections = new Sections(modelOffset, optimizerOffset - modelOffset, optimizerOffset, stream.Position - optimizerOffset);
                var json = JsonSerializer.SerializeToUtf8Bytes(new StoredState(state, sections), ConfigJson.Options);
                var stateOffset = stream.Position;
                writer.Write(json);
                writer.Write(stateOffset);
                writer.Write((long)json.Length);
                writer.Write(Magic);
                writer.Flush();
                stream.Flush(flushToDisk: true);
            }
            var (bytes, sha256) = Hash(temporary);
            var manifest = new CheckpointManifest(CheckpointState.FormatVersion, Path.GetFileName(path), bytes, sha256,
                state.Step, Describe(state.Config.Model));
            var manifestTemporary = $"{ManifestPath(path)}.{Guid.NewGuid():N}.tmp";
            File.WriteAllBytes(manifestTemporary, JsonSerializer.SerializeToUtf8Bytes(manifest, ConfigJson.Options));
            File.Move(temporary, path, overwrite: true);
            File.Move(manifestTemporary, ManifestPath(path), overwrite: true);
            return new CheckpointReport(state.Step, Path.GetFullPath(path), bytes, sha256);
        }
        finally
        {
            if (File.Exists(temporary)) File.Delete(temporary);
        }
    }

    /// <summary>Reads and verifies a checkpoint's state (checksum against the manifest).</summary>
    public static CheckpointState ReadState(string path) => Open(path).State;

    /// <summary>Loads weights into <paramref name="model"/>, refusing a different architecture, and weights whose names
    /// or shapes do not match the model (a damaged file whose manifest was rewritten) with a message listing them.</summary>
    public static CheckpointState LoadInto(string path, TransformerLM model, OptimizerHelper? optimizer)
    {
        var (state, sections) = Open(path);
        EnsureSameArchitecture(state.Config.Model, model.Config, path);
        using var stream = File.OpenRead(path);
        using var reader = new BinaryReader(stream);
        if (sections.ModelOffset < 0 || sections.ModelLength <= 0 || sections.ModelOffset + sections.ModelLength > stream.Length)
            throw new CheckpointException($"checkpoint {path} is corrupt: its model section lies outside the file");
        stream.Position = sections.ModelOffset;
        EnsureSameWeightNames(path, StoredWeightNames(path, reader, sections), model);
        stream.Position = sections.ModelOffset;
        Loading(path, "weights", () => model.load(reader, strict: true));
        if (optimizer is not null)
        {
            if (sections.OptimizerLength == 0)
                throw new CheckpointException($"checkpoint {path} holds weights only (no optimizer state) and cannot resume a run; fork it instead");
            stream.Position = sections.OptimizerOffset;
            Loading(path, "optimizer state", () => optimizer.load_state_dict(reader));
        }
        return state;
    }

    private static List<string> StoredWeightNames(string path, BinaryReader reader, Sections sections)
    {
        try
        {
            return StateDictNames.Read(reader, sections.ModelOffset + sections.ModelLength);
        }
        catch (Exception e) when (e is InvalidDataException or EndOfStreamException or OverflowException or IOException)
        {
            throw new CheckpointException($"checkpoint {path} is corrupt: its weights cannot be read ({e.Message})");
        }
    }

    private static void EnsureSameWeightNames(string path, List<string> stored, TransformerLM model)
    {
        var expected = model.state_dict().Keys.ToHashSet(StringComparer.Ordinal);
        var missing = expected.Except(stored, StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        var unexpected = stored.Except(expected, StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        if (missing.Count == 0 && unexpected.Count == 0) return;
        static string Few(List<string> names) =>
            $"{names.Count} ({string.Join(", ", names.Take(3))}{(names.Count > 3 ? ", …" : "")})";
        var problems = new List<string>();
        if (missing.Count > 0) problems.Add($"missing {Few(missing)}");
        if (unexpected.Count > 0) problems.Add($"extra {Few(unexpected)}");
        throw new CheckpointException(
            $"checkpoint {path} does not match its model ({Describe(model.Config)}): weights {string.Join("; ", problems)}");
    }

    /// <summary>Runs a TorchSharp load whose failures (shape or dtype mismatch, truncated data) are the file's fault.</summary>
    private static void Loading(string path, string what, Action load)
    {
        try
        {
            load();
        }
        catch (Exception e) when (e is ArgumentException or InvalidDataException or EndOfStreamException or IOException or
                                      InvalidOperationException or IndexOutOfRangeException or OverflowException)
        {
            throw new CheckpointException($"checkpoint {path} is corrupt: its {what} do not fit the model ({e.Message})");
        }
    }

    /// <summary>Loads only the model weights into a temporary model of the checkpoint's own architecture.</summary>
    public static TransformerLM LoadModel(string path, Device device)
    {
        var state = ReadState(path);
        var model = new TransformerLM(state.Config.Model);
        LoadInto(path, model, optimizer: null);
        model.to(device);
        return model;
    }

    /// <summary>One line describing an architecture, for messages and manifests.</summary>
    public static string Describe(ModelConfig m)
    {
        return $"d_model={m.DModel} layers={m.Layers} heads={m.Heads} d_ff={m.DFF} vocab={m.VocabSize} context={m.ContextLength} ffn={m.DescribeFeedForward()}";
    }

    private static void EnsureSameArchitecture(ModelConfig stored, ModelConfig wanted, string path)
    {
        if (!stored.HasSameArchitecture(wanted))
            throw new CheckpointException(
                $"checkpoint {path} is for a different architecture: it has {Describe(stored)}, the model has {Describe(wanted)}");
    }

    private static StoredState Open(string path)
    {
        if (Directory.Exists(path)) throw new CheckpointException($"checkpoint {path} is a folder; give one of its .ckpt files");
        if (!File.Exists(path)) throw new CheckpointException($"checkpoint {path} does not exist");
        var manifestPath = ManifestPath(path);
        if (!File.Exists(manifestPath)) throw new CheckpointException($"checkpoint {path} has no manifest ({manifestPath}); it may be incomplete");
        CheckpointManifest? manifest;
        try
        {
            manifest = JsonSerializer.Deserialize<CheckpointManifest>(File.ReadAllBytes(manifestPath), ConfigJson.Options);
        }
        catch (JsonException e)
        {
            throw new CheckpointException($"manifest {manifestPath} is corrupt: {e.Message}");
        }
        if (manifest?.Sha256 is not { Length: 64 })
            throw new CheckpointException($"manifest {manifestPath} is corrupt: it has no sha256");
        var (bytes, sha256) = Hash(path);
        if (bytes != manifest.Bytes || sha256 != manifest.Sha256)
            throw new CheckpointException($"checkpoint {path} is corrupt: sha256 {sha256[..12]}… ({bytes} bytes) does not match the manifest's {manifest.Sha256[..12]}… ({manifest.Bytes} bytes)");

        using var stream = File.OpenRead(path);
        using var reader = new BinaryReader(stream);
        if (stream.Length < 24) throw new CheckpointException($"{path} is not a MoT checkpoint (too short)");
        stream.Position = stream.Length - 24;
        var stateOffset = reader.ReadInt64();
        var stateLength = reader.ReadInt64();
        if (reader.ReadUInt64() != Magic) throw new CheckpointException($"{path} is not a MoT checkpoint");
        if (stateOffset < 0 || stateLength <= 0 || stateOffset + stateLength > stream.Length - 24)
            throw new CheckpointException($"checkpoint {path} is corrupt: its state record lies outside the file");
        stream.Position = stateOffset;
        StoredState? stored;
        try
        {
            stored = JsonSerializer.Deserialize<StoredState>(reader.ReadBytes((int)stateLength), ConfigJson.Options);
        }
        catch (JsonException e)
        {
            throw new CheckpointException($"checkpoint {path} is corrupt: its state record cannot be read ({e.Message})");
        }
        if (stored?.State?.Config?.Model is null || stored.Sections is null)
            throw new CheckpointException($"checkpoint {path} is corrupt: its state record is incomplete");
        return stored;
    }

    private static (long Bytes, string Sha256) Hash(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20);
        return (stream.Length, Convert.ToHexStringLower(SHA256.HashData(stream)));
    }

    private sealed record Sections(long ModelOffset, long ModelLength, long OptimizerOffset, long OptimizerLength);

    private sealed record StoredState(CheckpointState State, Sections Sections);
}
