using MoT.Contracts.Runs;
using MoT.Contracts.Scheduling;
using MoT.Grains.Tests.Infrastructure;
using Orleans.Runtime;

namespace MoT.Grains.Tests.Scheduling;

[Collection(SharedClusterCollection.Name)]
public sealed class PlacementTests(SharedClusterFixture fixture)
{
    [Fact]
    public async Task Every_gpu_silo_registers_one_slot_per_device_and_each_slot_lives_on_its_silo()
    {
        var snapshot = await Eventually.WaitAsync(fixture.Client.Scheduler().GetSnapshotAsync, s => s.Slots.Count == 4, "four slots");

        Assert.Equal(["Silo_1/0", "Silo_1/1", "Silo_2/0", "Silo_2/1"], snapshot.Slots.Select(s => s.Info.SlotKey));
        foreach (var slot in snapshot.Slots)
        {
            var info = await fixture.Client.GetGrain<IGpuSlotGrain>(slot.Info.SlotKey).GetInfoAsync();
            Assert.Equal(SlotInfo.ParseKey(slot.Info.SlotKey).SiloName, info.SiloName);
            Assert.Equal(slot.Info.SiloAddress, info.SiloAddress);
            Assert.Equal(DeviceKind.Cpu, info.Kind);
        }

        var gpuSilos = fixture.Cluster.Silos.Where(s => !MotClusterFixture.IsControlSilo(s.Name)).Select(s => s.SiloAddress.ToParsableString());
        Assert.Equal(gpuSilos.Order(), snapshot.Slots.Select(s => s.Info.SiloAddress).Distinct().Order());
    }

    [Fact]
    public async Task Control_grains_are_only_activated_on_the_control_silo()
    {
        var run = fixture.Client.GetGrain<IRunGrain>(Guid.NewGuid());
        await run.CreateAsync(new RunSpec(TestConfigs.Run(steps: 5), "placement"));
        await run.WaitUntilFinishedAsync();

        var statistics = await fixture.Client.GetGrain<IManagementGrain>(0).GetDetailedGrainStatistics(null, null, TestContext.Current.CancellationToken);

        var control = fixture.Cluster.Silos.Single(s => MotClusterFixture.IsControlSilo(s.Name)).SiloAddress;
        var controlGrains = statistics.Where(s => s.GrainType.Contains("RunGrain") || s.GrainType.Contains("SchedulerGrain")).ToList();
        Assert.Contains(controlGrains, s => s.GrainId.ToString().Contains(run.GetPrimaryKey().ToString("N")));
        Assert.All(controlGrains, s => Assert.Equal(control, s.SiloAddress));
        Assert.All(statistics.Where(s => s.GrainType.Contains("GpuSlotGrain")), s => Assert.NotEqual(control, s.SiloAddress));
    }
}
