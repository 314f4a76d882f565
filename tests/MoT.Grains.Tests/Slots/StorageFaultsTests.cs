using MoT.Grains.Slots;

namespace MoT.Grains.Tests.Slots;

public sealed class StorageFaultsTests
{
    [Theory]
    [InlineData(28, "no space left")]
    [InlineData(30, "read-only file system")]
    [InlineData(122, "disk quota exceeded")]
    public void Recurring_storage_errors_are_recognised_by_their_errno(int errno, string expected)
    {
        var error = new IOException("write failed", errno);

        Assert.StartsWith(expected, StorageFaults.Describe(new InvalidOperationException("checkpoint write failed", error)));
    }

    [Fact]
    public void Permission_errors_and_native_messages_are_storage_faults_but_other_errors_are_not()
    {
        Assert.StartsWith("permission denied", StorageFaults.Describe(new UnauthorizedAccessException("Access to the path '/x' is denied.")));
        Assert.StartsWith("no space left on device", StorageFaults.Describe(new Exception("PytorchStreamWriter: No space left on device")));
        Assert.Null(StorageFaults.Describe(new IOException("connection reset", 104)));
        Assert.Null(StorageFaults.Describe(new InvalidOperationException("a bug")));
    }

    [Fact]
    public void A_checkpoint_directory_behind_a_file_is_reported_not_writable_before_training()
    {
        var root = Directory.CreateTempSubdirectory("mot-storage-").FullName;
        try
        {
            var blocker = Path.Combine(root, "file");
            File.WriteAllText(blocker, "");

            Assert.Null(StorageFaults.CheckWritable(Path.Combine(root, "ok", "attempt-1")));
            Assert.Contains("is not writable", StorageFaults.CheckWritable(Path.Combine(blocker, "attempt-1")));
            Assert.Empty(Directory.GetFiles(Path.Combine(root, "ok", "attempt-1"))); // the probe leaves nothing behind
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }
}
