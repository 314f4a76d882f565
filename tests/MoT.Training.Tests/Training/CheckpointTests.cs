using MoT.Training.Checkpoints;
using MoT.Training.Models;
using MoT.Training.Training;

namespace MoT.Training.Tests.Training;

public sealed class CheckpointTests
{
    private static string TrainAndCheckpoint(TrainingRun run, TrainingConfig config)
    {
        using var trainer = run.Create(config);
        return trainer.Run(NullTrainingObserver.Instance, TestContext.Current.CancellationToken).LastCheckpoint!;
    }

    [Fact]
    public void A_checkpoint_has_a_manifest_whose_sha256_matches_the_file()
    {
        using var run = new TrainingRun();
        var path = TrainAndCheckpoint(run, TrainingRun.Config(steps: 10));

        var manifest = System.Text.Json.JsonSerializer.Deserialize<CheckpointManifest>(
            File.ReadAllText(CheckpointFile.ManifestPath(path)), ConfigJson.Options)!;
        Assert.Equal(new FileInfo(path).Length, manifest.Bytes);
        Assert.Equal(10, manifest.Step);
        Assert.Empty(Directory.GetFiles(Path.GetDirectoryName(path)!, "*.tmp"));
    }

    [Fact]
    public void A_corrupted_checkpoint_is_refused_with_a_clear_message()
    {
        using var run = new TrainingRun();
        var path = TrainAndCheckpoint(run, TrainingRun.Config(steps: 10));
        using (var stream = File.Open(path, FileMode.Open, FileAccess.ReadWrite))
        {
            // Flip the byte's bits: writing a constant is no corruption when the byte already had that value.
            stream.Position = 100;
            var original = stream.ReadByte();
            stream.Position = 100;
            stream.WriteByte((byte)~original);
        }

        var error = Assert.Throws<CheckpointException>(() => CheckpointFile.ReadState(path));
        Assert.Contains("corrupt", error.Message);
        Assert.Contains(path, error.Message);
    }

    [Fact]
    public void Loading_into_a_different_architecture_is_refused_naming_both()
    {
        using var run = new TrainingRun();
        var path = TrainAndCheckpoint(run, TrainingRun.Config(steps: 10));
        using var wider = new TransformerLM(TorchSetup.Tiny.Dense(dModel: 64));

        var error = Assert.Throws<CheckpointException>(() => CheckpointFile.LoadInto(path, wider, optimizer: null));
        Assert.Contains("d_model=32", error.Message);
        Assert.Contains("d_model=64", error.Message);
    }

    [Fact]
    public void A_missing_checkpoint_is_reported_by_path()
    {
        var error = Assert.Throws<CheckpointException>(() => CheckpointFile.ReadState("/nonexistent/step-0000001.ckpt"));
        Assert.Contains("/nonexistent/step-0000001.ckpt", error.Message);
    }
}
