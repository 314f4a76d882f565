namespace MoT.Training.Tests.Training;

/// <summary>
/// Tests that compare two trainings bit for bit run alone: libtorch keeps process-wide state (the default RNG among
/// it) that other test classes touch concurrently, and a draw from it between two "identical" runs makes them differ.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class BitExactCollection
{
    public const string Name = "bit-exact training";
}
