using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using MoT.Training.Checkpoints;
using MoT.Training.Models;
using MoT.Training.Training;

namespace MoT.Training.Tests.Training;

/// <summary>
/// A checkpoint that does not fit what it is asked to do gets one clear <see cref="CheckpointException"/>: damaged
/// weights behind a recomputed manifest, a step past the requested end, a run folder of another architecture.
/// </summary>
public sealed class CheckpointMismatchTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private static string Train(TrainingRun run, TrainingConfig config)
    {
        using var trainer = run.Create(config);
        return trainer.Run(NullTrainingObserver.Instance, Token).LastCheckpoint!;
    }

    /// <summary>Rewrites the manifest to match the file as it is now: what someone "repairing" a damaged file would do.</summary>
    private static void RecomputeManifest(string path)
    {
        var manifestPath = CheckpointFile.ManifestPath(path);
        var manifest = JsonSerializer.Deserialize<CheckpointManifest>(File.ReadAllText(manifestPath), ConfigJson.Options)!;
        var bytes = File.ReadAllBytes(path);
        File.WriteAllText(manifestPath, JsonSerializer.Serialize(
            manifest with { Bytes = bytes.Length, Sha256 = Convert.ToHexStringLower(SHA256.HashData(bytes)) }, ConfigJson.Options));
    }

    private static void Replace(string path, string from, string to)
    {
        Assert.Equal(from.Length, to.Length);
        var bytes = File.ReadAllBytes(path);
        var at = bytes.AsSpan().IndexOf(Encoding.UTF8.GetBytes(from));
        Assert.True(at >= 0, $"'{from}' not found in {path}");
        Encoding.UTF8.GetBytes(to).CopyTo(bytes, at);
        File.WriteAllBytes(path, bytes);
    }

    [Fact]
    public void The_weight_names_read_from_a_checkpoint_are_exactly_the_models_state_dict_keys()
    {
        using var run = new TrainingRun();
        var config = TrainingRun.Config(TorchSetup.Tiny.MoT(), steps: 10);
        var path = Train(run, config);
        using var model = new TransformerLM(config.Model);

        using var stream = File.OpenRead(path);
        using var reader = new BinaryReader(stream);
        var names = StateDictNames.Read(reader, stream.Length);

        Assert.Equal(model.state_dict().Keys, names);
    }

    [Fact]
    public void A_renamed_weight_behind_a_recomputed_manifest_is_named_as_missing_and_extra()
    {
        using var run = new TrainingRun();
        var config = TrainingRun.Config(steps: 10);
        var path = Train(run, config);
        using var model = new TransformerLM(config.Model);
        var victim = model.state_dict().Keys.First(k => k.Contains("blocks.1", StringComparison.Ordinal));
        var renamed = victim.Replace("blocks.1", "blocks.7", StringComparison.Ordinal);
        Replace(path, victim, renamed);
        RecomputeManifest(path);

        var error = Assert.Throws<CheckpointException>(() => CheckpointFile.LoadInto(path, model, optimizer: null));

        Assert.Equal($"checkpoint {path} does not match its model ({CheckpointFile.Describe(config.Model)}): " +
                     $"weights missing 1 ({victim}); extra 1 ({renamed})", error.Message);
    }

    [Fact]
    public void Garbage_in_the_weights_behind_a_recomputed_manifest_is_one_clear_error()
    {
        using var run = new TrainingRun();
        var config = TrainingRun.Config(steps: 10);
        var path = Train(run, config);
        var bytes = File.ReadAllBytes(path);
        bytes[0] = 0xFF;   // the tensor count: now a malformed LEB128 run
        bytes[1] = 0xFF;
        File.WriteAllBytes(path, bytes);
        RecomputeManifest(path);
        using var model = new TransformerLM(config.Model);

        var error = Assert.Throws<CheckpointException>(() => CheckpointFile.LoadInto(path, model, optimizer: null));

        Assert.StartsWith($"checkpoint {path} ", error.Message);
        Assert.Contains("corrupt", error.Message);
    }

    [Fact]
    public void A_manifest_that_is_not_json_is_reported_as_corrupt()
    {
        using var run = new TrainingRun();
        var path = Train(run, TrainingRun.Config(steps: 10));
        File.WriteAllText(CheckpointFile.ManifestPath(path), "{ not json");

        var error = Assert.Throws<CheckpointException>(() => CheckpointFile.ReadState(path));

        Assert.StartsWith($"manifest {CheckpointFile.ManifestPath(path)} is corrupt", error.Message);
    }

    [Fact]
    public void Resuming_to_fewer_steps_than_the_checkpoint_has_is_refused_naming_both()
    {
        using var run = new TrainingRun();
        var config = TrainingRun.Config(steps: 10);
        var path = Train(run, config);

        var error = Assert.Throws<CheckpointException>(() => Trainer.Resume(path, TrainingRun.Batches(config), TrainingRun.EvalBatches(config), run.Directory, totalSteps: 5));

        Assert.Contains("is at step 10, past the requested total of 5 steps", error.Message);
    }

    [Fact]
    public void Resuming_a_final_checkpoint_trains_nothing_writes_nothing_and_reports_that_checkpoint()
    {
        using var run = new TrainingRun();
        var config = TrainingRun.Config(steps: 10);
        var path = Train(run, config);
        var before = Directory.GetFiles(run.Directory, "*", SearchOption.AllDirectories).Order().ToArray();

        using var trainer = run.Resume(path, config);
        var observer = new RecordingObserver();
        var result = trainer.Run(observer, Token);

        Assert.True(trainer.IsComplete);
        Assert.Equal(TrainingStatus.Completed, result.Status);
        Assert.Equal(10, result.StepsCompleted);
        Assert.Equal(Path.GetFullPath(path), result.LastCheckpoint);
        Assert.Empty(observer.Steps);
        Assert.Equal(before, Directory.GetFiles(run.Directory, "*", SearchOption.AllDirectories).Order().ToArray());
    }

    [Fact]
    public void The_last_checkpoint_of_a_run_ending_on_a_checkpoint_step_is_that_file()
    {
        using var run = new TrainingRun();
        var config = TrainingRun.Config(steps: 10) with { CheckpointInterval = 10 };

        var path = Train(run, config);

        Assert.Equal(Path.Combine(run.Directory, "checkpoints", "step-0000010.ckpt"), path);
        Assert.True(File.Exists(path));
    }

    [Fact]
    public void A_dense_checkpoint_is_not_resumed_into_a_run_folder_of_a_MoT_run()
    {
        using var dense = new TrainingRun();
        var denseConfig = TrainingRun.Config(steps: 10);
        var checkpoint = Train(dense, denseConfig);
        using var mot = new TrainingRun();
        Directory.CreateDirectory(mot.Directory);
        File.WriteAllText(Path.Combine(mot.Directory, RunFolder.ConfigFileName),
            TrainingConfigDocument.Write(TrainingRun.Config(TorchSetup.Tiny.MoT(), steps: 10)));

        var error = Assert.Throws<CheckpointException>(() => Trainer.Resume(checkpoint, TrainingRun.Batches(denseConfig),
            TrainingRun.EvalBatches(denseConfig), mot.Directory, totalSteps: 20));

        Assert.Contains("is a Dense model", error.Message);
        Assert.Contains($"run folder {mot.Directory} holds a MixtureOfTokens run", error.Message);
        Assert.Equal([Path.Combine(mot.Directory, RunFolder.ConfigFileName)], Directory.GetFiles(mot.Directory, "*", SearchOption.AllDirectories));
    }

    [Fact]
    public void A_folder_holding_checkpoints_is_refused_for_a_new_run_and_an_empty_one_is_not()
    {
        using var run = new TrainingRun();
        var checkpoint = Train(run, TrainingRun.Config(steps: 10));

        var error = Assert.Throws<CheckpointException>(() => RunFolder.EnsureNoRunYet(run.Directory));
        Assert.Contains($"already holds a run (1 checkpoint(s), e.g. {Path.GetFileName(checkpoint)})", error.Message);
        RunFolder.EnsureNoRunYet(Path.Combine(run.Directory, "elsewhere"));
    }
}
